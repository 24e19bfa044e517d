import { AsyncLocalStorage } from "node:async_hooks";
import { type ChildProcess, spawn } from "node:child_process";
import { appendFileSync } from "node:fs";

// Child processes of the e2e: every command runs in its own process group (so a whole `pulumi up`
// with its language host, node program, providers and policy pack can be interrupted at once),
// with a timeout, its output captured and appended to a log file. Nothing here throws on a
// non-zero exit: `mustRun` does, with the command's last lines in the message.

export class E2EError extends Error {}

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Kill the process group after this long (default 20 minutes). */
  timeoutMs?: number;
  /** Append stdout and stderr (with a header) to this file. */
  logFile?: string;
  /** Also echo the output to our stdout, each line prefixed. */
  echo?: string;
  /** Called with each chunk of stdout+stderr as it arrives. */
  onOutput?: (text: string) => void;
  /** Written to stdin (never logged: a secret value goes there, not on the command line). */
  input?: string;
}

export interface RunResult {
  command: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
  timedOut: boolean;
}

const running = new Set<ChildProcess>();
/** Set once cleanup starts: from then on only cleanup steps may start processes. */
let stopping = false;
const inCleanup = new AsyncLocalStorage<boolean>();

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}

/** Interrupts every running child process group, then kills what is left after `graceMs`. */
export async function stopAllChildren(graceMs = 8000): Promise<void> {
  const children = [...running];
  if (children.length === 0) return;
  for (const c of children) killGroup(c, "SIGINT");
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && [...running].length > 0) await sleep(100);
  for (const c of running) killGroup(c, "SIGKILL");
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export function quote(args: readonly string[]): string {
  return args.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, "'\\''")}'`)).join(" ");
}

export function run(cmd: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const command = quote([cmd, ...args]);
  if (stopping && !inCleanup.getStore()) {
    return Promise.reject(new E2EError(`not started (stopping): ${command}`));
  }
  const started = Date.now();
  if (options.logFile) {
    appendFileSync(options.logFile, `\n$ ${command}\n  (cwd ${options.cwd ?? process.cwd()})\n`);
  }
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, [...args], {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: [options.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
      detached: true,
    });
    running.add(child);
    if (options.input !== undefined) child.stdin?.end(options.input);
    let stdout = "";
    let stderr = "";
    let pending = "";
    const onData = (chunk: Buffer, err: boolean) => {
      const text = chunk.toString("utf8");
      if (err) stderr += text;
      else stdout += text;
      if (options.logFile) appendFileSync(options.logFile, text);
      options.onOutput?.(text);
      if (options.echo !== undefined) {
        pending += text;
        const lines = pending.split("\n");
        pending = lines.pop() ?? "";
        for (const line of lines) process.stdout.write(`${options.echo}${line}\n`);
      }
    };
    child.stdout?.on("data", (c: Buffer) => onData(c, false));
    child.stderr?.on("data", (c: Buffer) => onData(c, true));
    let timedOut = false;
    const timeoutMs = options.timeoutMs ?? 20 * 60_000;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child, "SIGINT");
      setTimeout(() => killGroup(child, "SIGKILL"), 10_000).unref();
    }, timeoutMs);
    child.on("error", (error) => {
      clearTimeout(timer);
      running.delete(child);
      reject(new E2EError(`could not run ${command}: ${error.message}`));
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      running.delete(child);
      if (options.echo !== undefined && pending) process.stdout.write(`${options.echo}${pending}\n`);
      const ms = Date.now() - started;
      if (options.logFile) {
        appendFileSync(
          options.logFile,
          `\n[exit ${code ?? signal}${timedOut ? ", timed out" : ""} after ${(ms / 1000).toFixed(1)} s]\n`,
        );
      }
      resolve({ command, code, signal, stdout, stderr, ms, timedOut });
    });
  });
}

/** A long-running child (a watch): its stdout line by line, until `stop()`. */
export interface Streaming {
  /** Interrupts the process group and resolves once it is gone, with its stderr. */
  stop(): Promise<{ code: number | null; stderr: string }>;
}

export function startStreaming(
  cmd: string,
  args: readonly string[],
  onLine: (line: string) => void,
  options: Pick<RunOptions, "cwd" | "env" | "logFile"> = {},
): Streaming {
  const command = quote([cmd, ...args]);
  if (stopping && !inCleanup.getStore()) throw new E2EError(`not started (stopping): ${command}`);
  if (options.logFile) appendFileSync(options.logFile, `\n$ ${command} &\n`);
  const child = spawn(cmd, [...args], {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  running.add(child);
  let pending = "";
  let stderr = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    pending += chunk.toString("utf8");
    const lines = pending.split("\n");
    pending = lines.pop() ?? "";
    for (const line of lines) if (line.trim()) onLine(line);
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString("utf8");
  });
  const closed = new Promise<number | null>((resolve) => {
    child.on("error", () => resolve(null));
    child.on("close", (code) => {
      running.delete(child);
      if (pending.trim()) onLine(pending);
      resolve(code);
    });
  });
  return {
    stop: async () => {
      killGroup(child, "SIGINT");
      const timer = setTimeout(() => killGroup(child, "SIGKILL"), 5_000);
      const code = await closed;
      clearTimeout(timer);
      if (options.logFile) appendFileSync(options.logFile, `\n[${command}: stopped]\n${stderr}`);
      return { code, stderr };
    },
  };
}

export function tail(text: string, lines = 40): string {
  return text.trimEnd().split("\n").slice(-lines).join("\n");
}

/** Like run, but throws an E2EError (with the output's last lines) unless the exit code is 0. */
export async function mustRun(
  cmd: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<RunResult> {
  const r = await run(cmd, args, options);
  if (r.code !== 0) {
    const why = r.timedOut
      ? `timed out after ${(r.ms / 1000).toFixed(0)} s`
      : `exited with ${r.code ?? r.signal}`;
    throw new E2EError(`${r.command} ${why}:\n${tail(`${r.stdout}\n${r.stderr}`)}`);
  }
  return r;
}

// Cleanup: registered steps run in reverse order, once, on normal exit, on an error and on
// SIGINT/SIGTERM (after the running child processes have been interrupted).
type Cleanup = { label: string; fn: () => Promise<void> | void };
const cleanups: Cleanup[] = [];
let cleaning: Promise<void> | undefined;

export function onCleanup(label: string, fn: () => Promise<void> | void): void {
  cleanups.push({ label, fn });
}

export function runCleanups(log: (message: string) => void): Promise<void> {
  cleaning ??= (async () => {
    stopping = true;
    await stopAllChildren();
    while (cleanups.length > 0) {
      const c = cleanups.pop();
      if (!c) break;
      try {
        await inCleanup.run(true, async () => c.fn());
      } catch (error) {
        log(`cleanup "${c.label}" failed: ${(error as Error).message}`);
      }
    }
    await stopAllChildren();
  })();
  return cleaning;
}

export function installSignalHandlers(log: (message: string) => void): void {
  // When a signal also ends the parent (npm), our stdout may be a pipe nobody reads any more:
  // cleanup must go on (its lines are in the log file).
  process.stdout.on("error", () => {});
  process.stderr.on("error", () => {});
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.once(signal, () => {
      log(`${signal}: stopping child processes, the cluster, and removing temporary files`);
      runCleanups(log).finally(() => process.exit(signal === "SIGINT" ? 130 : 143));
    });
  }
}
