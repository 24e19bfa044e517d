import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { E2EError, mustRun, run, sleep } from "../lib/proc";
import { type Daemon, startDaemon } from "./daemon";

// containerd (Debian's package) for the real node, as a private instance: its own config, root,
// state and socket under the run's directory, so nothing of the machine's containerd (if any) is
// touched and teardown removes everything.

/** containerd 1.6's default sandbox image; the e2e imports a stand-in under this name. */
export const SANDBOX_IMAGE = "registry.k8s.io/pause:3.6";
export const CNI_BIN_DIR = "/usr/lib/cni";

export interface Containerd {
  socket: string;
  cniConfDir: string;
  daemon: Daemon;
  ctr(args: readonly string[], timeoutMs?: number): ReturnType<typeof mustRun>;
  /** Kills every container, stops containerd, removes its mounts. */
  stop(): Promise<void>;
}

function config(dir: string, cniConfDir: string): string {
  const cri = `plugins."io.containerd.grpc.v1.cri"`;
  return `version = 2
root = "${dir}/root"
state = "${dir}/state"

[grpc]
  address = "${dir}/containerd.sock"

[ttrpc]
  address = "${dir}/containerd.sock.ttrpc"

[${cri}]
  sandbox_image = "${SANDBOX_IMAGE}"
  # This VM refuses a negative oom_score_adj: without this every sandbox fails in runc
  # ("can't get final child's PID from pipe: EOF").
  restrict_oom_score_adj = true

[${cri}.cni]
  bin_dir = "${CNI_BIN_DIR}"
  conf_dir = "${cniConfDir}"

[${cri}.containerd]
  snapshotter = "overlayfs"

[${cri}.containerd.runtimes.runc]
  runtime_type = "io.containerd.runc.v2"

[${cri}.containerd.runtimes.runc.options]
  SystemdCgroup = false
  # runc's state with ours, not in /run/containerd/runc (removed with the run's directory).
  Root = "${dir}/runc"
`;
}

/** Mount points at or below `dir`, deepest first. */
export function mountsUnder(dir: string): string[] {
  return readFileSync("/proc/self/mountinfo", "utf8")
    .split("\n")
    .map((l) => l.split(" ")[4] ?? "")
    .filter((m) => m === dir || m.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
}

export async function unmountUnder(dir: string): Promise<void> {
  for (let pass = 0; pass < 3; pass++) {
    const mounts = mountsUnder(dir);
    if (mounts.length === 0) return;
    for (const m of mounts) await run("umount", ["-l", m], { timeoutMs: 30_000 });
  }
}

/** Pids whose command line mentions `needle` (containerd's shims name their socket). */
function pidsMentioning(needle: string): number[] {
  const pids: number[] = [];
  for (const p of readdirSync("/proc")) {
    if (!/^\d+$/.test(p)) continue;
    try {
      if (readFileSync(`/proc/${p}/cmdline`, "utf8").includes(needle)) pids.push(Number(p));
    } catch {
      // gone
    }
  }
  return pids;
}

export async function startContainerd(dir: string, logDir: string): Promise<Containerd> {
  const cniConfDir = join(dir, "net.d");
  mkdirSync(cniConfDir, { recursive: true });
  const file = join(dir, "config.toml");
  writeFileSync(file, config(dir, cniConfDir));
  const socket = join(dir, "containerd.sock");
  const daemon = startDaemon("containerd", "containerd", ["--config", file], {
    logFile: join(logDir, "containerd.log"),
  });
  const ctr = (args: readonly string[], timeoutMs = 5 * 60_000) =>
    mustRun("ctr", ["--address", socket, "--namespace", "k8s.io", ...args], { timeoutMs });
  const deadline = Date.now() + 30_000;
  while (!existsSync(socket)) {
    if (daemon.exited() || Date.now() > deadline) {
      throw new E2EError(
        `containerd did not start (${daemon.exited() ?? "no socket after 30 s"}); log: ${daemon.logFile}`,
      );
    }
    await sleep(100);
  }
  await ctr(["version"], 30_000);
  return {
    socket,
    cniConfDir,
    daemon,
    ctr,
    stop: async () => {
      if (!daemon.exited()) {
        const tasks = await run("ctr", ["--address", socket, "-n", "k8s.io", "tasks", "ls", "-q"], {
          timeoutMs: 30_000,
        });
        for (const id of tasks.stdout.split("\n").filter(Boolean)) {
          await run("ctr", ["--address", socket, "-n", "k8s.io", "tasks", "kill", "-s", "SIGKILL", id], {
            timeoutMs: 30_000,
          });
        }
        await sleep(500);
      }
      await daemon.stop();
      // Shims outlive containerd by design; ours name our socket.
      for (const pid of pidsMentioning(socket)) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // gone
        }
      }
      await unmountUnder(dir);
    },
  };
}
