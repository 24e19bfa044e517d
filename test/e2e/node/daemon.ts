import { spawn } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { E2EError, sleep } from "../lib/proc";

// A long-running process of the real node (containerd, kubelet, kube-proxy, kube-router): its own
// process group and log file, stopped by the node's teardown in a fixed order (never by the
// e2e's generic "interrupt every child" step, which would kill containerd before its pods).

export interface Daemon {
  name: string;
  pid: number;
  logFile: string;
  /** Exit status once it has ended (it should not while the node runs). */
  exited(): string | undefined;
  stop(graceMs?: number): Promise<void>;
}

export function startDaemon(
  name: string,
  cmd: string,
  args: readonly string[],
  o: { logFile: string; env?: NodeJS.ProcessEnv; cwd?: string },
): Daemon {
  const fd = openSync(o.logFile, "a");
  const child = spawn(cmd, [...args], {
    cwd: o.cwd,
    env: o.env ?? process.env,
    stdio: ["ignore", fd, fd],
    detached: true,
  });
  closeSync(fd);
  let status: string | undefined;
  child.on("exit", (code, signal) => {
    status = `exit ${code ?? signal}`;
  });
  child.on("error", (e) => {
    status = `could not start: ${e.message}`;
  });
  if (child.pid === undefined) throw new E2EError(`${name}: could not start ${cmd}`);
  const pid = child.pid;
  return {
    name,
    pid,
    logFile: o.logFile,
    exited: () => status,
    stop: async (graceMs = 10_000) => {
      if (status) return;
      try {
        process.kill(-pid, "SIGTERM");
      } catch {
        return;
      }
      const deadline = Date.now() + graceMs;
      while (!status && Date.now() < deadline) await sleep(100);
      if (!status) {
        try {
          process.kill(-pid, "SIGKILL");
        } catch {
          // gone
        }
        while (!status) await sleep(50);
      }
    },
  };
}
