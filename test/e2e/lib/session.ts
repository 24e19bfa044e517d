import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { installSignalHandlers, onCleanup, runCleanups } from "./proc";
import { makeLogger } from "./report";
import { ROOT } from "./toolchain";

// One run of an e2e script (the test or the benchmark): a short random id that names its cluster
// and stacks (so concurrent runs do not collide), a fresh log directory under out/, a temporary
// directory removed at the end, and signal handlers so that Ctrl-C still cleans up.

export interface Session {
  runId: string;
  logDir: string;
  logFile: string;
  tmp: string;
  log: (message: string) => void;
}

export function openSession(name: "e2e" | "bench"): Session {
  const runId = randomBytes(3).toString("hex");
  const logDir = join(ROOT, "out", name === "e2e" ? "e2e" : "e2e-bench");
  rmSync(logDir, { recursive: true, force: true });
  mkdirSync(logDir, { recursive: true });
  const logFile = join(logDir, `${name}-${runId}.log`);
  const log = makeLogger(() => logFile);
  installSignalHandlers(log);
  const tmp = mkdtempSync(join(tmpdir(), `platform-${name}-${runId}-`));
  onCleanup("temporary directory", () => rmSync(tmp, { recursive: true, force: true }));
  return { runId, logDir, logFile, tmp, log };
}

/** Awaits the run, maps an unexpected error to an exit code, cleans up in every case and exits. */
export function closeSessionWith(
  session: Session,
  work: Promise<number>,
  onError: (error: unknown) => number,
): void {
  work.catch(onError).then(async (code) => {
    session.log("cleanup: stopping the cluster, removing stack files and temporary directories");
    await runCleanups(session.log);
    process.exit(code);
  });
}
