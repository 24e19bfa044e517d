import { appendFileSync } from "node:fs";

// Progress lines (elapsed time since start) to stdout and the run's log, and a list of checks:
// every failed assertion is kept with its message, the run goes on where that still makes
// sense, and the summary lists all failures at the end.

const start = Date.now();

export function elapsed(ms = Date.now() - start): string {
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

export function makeLogger(logFile: () => string | undefined) {
  return (message: string): void => {
    const line = `[e2e ${elapsed()}] ${message}`;
    process.stdout.write(`${line}\n`);
    const file = logFile();
    if (file) appendFileSync(file, `${line}\n`);
  };
}

export class Checks {
  readonly failures: string[] = [];
  passed = 0;

  constructor(private readonly log: (message: string) => void) {}

  /** Records one assertion: `ok` prints as passed, otherwise `failure` is kept. */
  that(ok: boolean, description: string, failure?: string): boolean {
    if (ok) {
      this.passed++;
      this.log(`  ok   ${description}`);
    } else {
      const message = failure ? `${description}: ${failure}` : description;
      this.failures.push(message);
      this.log(`  FAIL ${message}`);
    }
    return ok;
  }

  fail(message: string): void {
    this.that(false, message);
  }
}

export interface Timing {
  label: string;
  ms: number;
}

/** Runs `fn` and appends its wall time, under `label`, to `timings` (also when it throws). */
export function timer(timings: Timing[]) {
  return async <T>(label: string, fn: () => Promise<T>): Promise<T> => {
    const started = Date.now();
    try {
      return await fn();
    } finally {
      timings.push({ label, ms: Date.now() - started });
    }
  };
}

export const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  if (s.length === 0) return Number.NaN;
  return s.length % 2 ? (s[mid] ?? Number.NaN) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}
