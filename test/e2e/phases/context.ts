import { join } from "node:path";
import { E2EError } from "../lib/proc";
import { Checks, elapsed, seconds, type Timing, timer } from "../lib/report";
import type { SecretValue } from "../lib/secrets";
import { openSession, type Session } from "../lib/session";
import type { Environment } from "../lib/setup";
import { ROOT } from "../lib/toolchain";

// What every phase of `npm run test:e2e` shares: the session (run id, temporary directory, log),
// the list of checks, the timings and notes the summary prints, and the local stack the phases
// after its `up` work on. A phase that throws is one failed check; the run goes on.

export interface Run extends Session {
  checks: Checks;
  timings: Timing[];
  /** Runs `fn` and records its wall time under `label`. */
  timed: <T>(label: string, fn: () => Promise<T>) => Promise<T>;
  /** Lines the summary repeats (what was skipped and why). */
  notes: string[];
  /** E2E_VERBOSE=1: stream the engine's output. */
  verbose: boolean;
}

/** The `local` stack of this run, once its first `up` was attempted. */
export interface LocalStack {
  name: string;
  /** stacks/Pulumi.<name>.yaml */
  file: string;
  /** The first `up` succeeded: the phases that change the stack can run. */
  up: boolean;
  /** Secret values the e2e set in the stack's config: searched for even once replaced. */
  secretsSet: SecretValue[];
}

/** The run's environment (set-up) with its local stack. */
export interface Deployed {
  env: Environment;
  stack: LocalStack;
}

export function openRun(): Run {
  const session = openSession("e2e");
  const timings: Timing[] = [];
  return {
    ...session,
    checks: new Checks(session.log),
    timings,
    timed: timer(timings),
    notes: [],
    verbose: process.env.E2E_VERBOSE === "1",
  };
}

export function localStack(runId: string): LocalStack {
  const name = `e2e-${runId}`;
  return { name, file: join(ROOT, "stacks", `Pulumi.${name}.yaml`), up: false, secretsSet: [] };
}

/** Runs a phase; an exception fails it (recorded) and the run goes on with the next one. */
export async function phase(run: Run, name: string, fn: () => Promise<void>): Promise<boolean> {
  run.log(`== ${name}`);
  try {
    await fn();
    return true;
  } catch (error) {
    run.checks.fail(`${name}: ${(error as Error).message}`);
    if (!(error instanceof E2EError)) run.log((error as Error).stack ?? "");
    return false;
  }
}

/** Phases that change the local stack need its first `up`. */
export function requireUp(stack: LocalStack): void {
  if (!stack.up) throw new E2EError("skipped: the first up failed");
}

/** The notes, the timings and every failed check; the exit code. */
export function summary(run: Run): number {
  const { log, checks } = run;
  log("== summary");
  for (const n of run.notes) log(`  ${n}`);
  for (const t of run.timings) log(`  ${t.label.padEnd(46)} ${seconds(t.ms).padStart(9)}`);
  log(`  ${"total".padEnd(46)} ${elapsed().padStart(9)}`);
  if (checks.failures.length > 0) {
    log(`FAILED: ${checks.failures.length} of ${checks.passed + checks.failures.length} checks failed:`);
    for (const f of checks.failures) log(`  - ${f.split("\n")[0]}`);
    log(`full log: ${run.logFile}`);
    return 1;
  }
  log(`PASSED: all ${checks.passed} checks (log: ${run.logFile})`);
  return 0;
}
