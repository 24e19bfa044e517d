import { chmodSync, chownSync, mkdirSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { E2EError, mustRun, type RunResult, run, sleep } from "../../lib/proc";
import type { Checks } from "../../lib/report";
import type { Containerd } from "../../node/containerd";
import type { ImageConfig } from "../../node/oci";
import type { Container, Probe, RenderedPod, RenderedStack } from "./rendered";

// One container of a rendered pod template, run under a private containerd the way the kubelet and
// containerd's CRI plugin run it: the pod's user, group and fsGroup, `command`/`args` over the
// image's entrypoint and command, the image's environment with the container's on top (Secret
// references resolved), read-only root, no capabilities, no privilege escalation, containerd's
// default seccomp profile, the pod's volumes (emptyDir and claims as directories owned by the
// fsGroup, Secrets and ConfigMaps as read-only files) and the kubelet's /etc/hosts, /etc/hostname
// and /etc/resolv.conf. Every container joins one network namespace, which has only a loopback
// interface: Service names resolve to 127.0.0.1 there, and nothing reaches any other address.

type Spec = {
  process: {
    user: { uid: number; gid: number; additionalGids?: number[] };
    args: string[];
    env: string[];
    cwd: string;
    capabilities?: Record<string, string[]>;
    rlimits?: unknown;
    noNewPrivileges?: boolean;
  };
  root: { path: string; readonly: boolean };
  hostname?: string;
  mounts: Array<{ destination: string; type: string; source: string; options: string[] }>;
  linux: {
    cgroupsPath?: string;
    namespaces: Array<{ type: string; path?: string }>;
    seccomp?: unknown;
  };
};

export interface PodRuntime {
  containerd: Containerd;
  /** Where rootfs mounts, volumes and logs go. */
  dir: string;
  /** The network namespace every container joins (`/proc/<pid>/ns/net`). */
  netns: string;
  /** Prefix of every container id and cgroup: concurrent runs on one machine share the cgroup tree. */
  runId: string;
}

export interface RunningContainer {
  id: string;
  logFile: string;
  /** Runs a command in the container as its own process runs (user, environment, directory). */
  exec(args: readonly string[], timeoutMs: number): Promise<RunResult>;
  /** Whether the container's main process is still running. */
  running(): Promise<boolean>;
  stop(): Promise<void>;
}

const ctrArgs = (rt: PodRuntime, args: readonly string[]) => [
  "--address",
  rt.containerd.socket,
  "--namespace",
  "k8s.io",
  ...args,
];

/** containerd's own spec for `image` with its default seccomp profile, as the base of every container. */
async function baseSpec(rt: PodRuntime, image: string, id: string): Promise<Spec> {
  const template = `${id}-template`;
  await rt.containerd.ctr(["containers", "create", "--seccomp", "--read-only", image, template]);
  try {
    const info = await mustRun("ctr", ctrArgs(rt, ["containers", "info", "--spec", template]));
    return JSON.parse(info.stdout) as Spec;
  } finally {
    await rt.containerd.ctr(["containers", "delete", template]);
  }
}

/** A directory the pod's user may write: an emptyDir or a claim with the kubelet's fsGroup ownership. */
function writableDir(path: string, fsGroup: number | undefined): void {
  mkdirSync(path, { recursive: true });
  if (fsGroup === undefined) {
    chmodSync(path, 0o777);
    return;
  }
  chownSync(path, 0, fsGroup);
  chmodSync(path, 0o2777);
}

/** Files of a Secret or ConfigMap volume: 0644, group fsGroup, mounted read-only. */
function dataDir(path: string, data: Record<string, string>, fsGroup: number | undefined): void {
  mkdirSync(path, { recursive: true });
  for (const [key, value] of Object.entries(data)) {
    const file = join(path, key);
    writeFileSync(file, value, { mode: 0o644 });
    if (fsGroup !== undefined) chownSync(file, 0, fsGroup);
  }
}

/** The image's user as uid:gid numbers (the recipes set numeric users). */
function imageUser(config: ImageConfig): { uid: number; gid: number } {
  const [uid = "0", gid = uid] = (config.User ?? "0").split(":");
  return { uid: Number(uid), gid: Number(gid) };
}

/** The kubelet's rule: `command` replaces the entrypoint, `args` the command; `command` alone drops the command. */
export function processArgs(container: Container, image: ImageConfig): string[] {
  const entrypoint = container.command ?? image.Entrypoint ?? [];
  const cmd = container.args ?? (container.command ? [] : (image.Cmd ?? []));
  return [...entrypoint, ...cmd];
}

/** The image's environment with the container's on top. */
export function processEnv(
  container: Container,
  image: ImageConfig,
  stack: RenderedStack,
  hostname: string,
): string[] {
  const env = new Map<string, string>();
  for (const e of image.Env ?? []) {
    const i = e.indexOf("=");
    env.set(e.slice(0, i), e.slice(i + 1));
  }
  // containerd's CRI plugin sets HOSTNAME to the pod's host name.
  env.set("HOSTNAME", hostname);
  for (const e of container.env ?? []) env.set(e.name, stack.envValue(e));
  return [...env].map(([k, v]) => `${k}=${v}`);
}

export interface PodContainerOptions {
  pod: RenderedPod;
  stack: RenderedStack;
  /** The config of the image `pod.container.image` names (the recipe's). */
  image: ImageConfig;
  /** Names (Services) that resolve to this namespace's loopback. */
  serviceHosts: readonly string[];
  /** The container's id in this run; the pod's volumes live under `<rt.dir>/volumes/<volumeDir>` and survive a restart. */
  id: string;
  volumeDir: string;
}

async function prepare(
  rt: PodRuntime,
  o: PodContainerOptions,
): Promise<{ specFile: string; rootfs: string; id: string }> {
  const { pod, image } = o;
  const id = `${rt.runId}-${o.id}`;
  const c = pod.container;
  const podSec = pod.spec.securityContext ?? {};
  const sec = c.securityContext ?? {};
  const fsGroup = podSec.fsGroup;
  const spec = await baseSpec(rt, c.image, id);
  const rootfs = join(rt.dir, "rootfs", o.id);
  mkdirSync(rootfs, { recursive: true });
  await rt.containerd.ctr(["images", "mount", "--rw", c.image, rootfs]);

  const volumes = join(rt.dir, "volumes", o.volumeDir);
  const mounts: Spec["mounts"] = [];
  for (const m of c.volumeMounts ?? []) {
    const v = pod.spec.volumes?.find((x) => x.name === m.name);
    const source = join(volumes, m.name);
    if (v?.secret) dataDir(source, o.stack.dataOf("Secret", v.secret.secretName), fsGroup);
    else if (v?.configMap) dataDir(source, o.stack.dataOf("ConfigMap", v.configMap.name), fsGroup);
    else if (v?.emptyDir || pod.claims.includes(m.name)) writableDir(source, fsGroup);
    else
      throw new E2EError(`${pod.owner.metadata.name}: volume ${m.name} is of a kind this check does not run`);
    mounts.push({
      destination: m.mountPath,
      type: "bind",
      source,
      options: ["rbind", m.readOnly ? "ro" : "rw"],
    });
  }
  const etc = join(volumes, `etc-${o.id}`);
  mkdirSync(etc, { recursive: true });
  const cluster = "cluster.local";
  const namespace = pod.owner.metadata.namespace ?? "default";
  // The kubelet's: the pod's own names (with its subdomain's FQDN for a StatefulSet pod) at its address.
  const names = pod.subdomain
    ? `${pod.hostname}.${pod.subdomain}.${namespace}.svc.${cluster} ${pod.hostname}`
    : pod.hostname;
  const hosts = [
    "127.0.0.1\tlocalhost",
    "::1\tlocalhost ip6-localhost ip6-loopback",
    `127.0.0.1\t${names}`,
    ...o.serviceHosts.map((h) => `127.0.0.1\t${h}`),
  ];
  writeFileSync(join(etc, "hosts"), `${hosts.join("\n")}\n`);
  writeFileSync(join(etc, "hostname"), `${pod.hostname}\n`);
  writeFileSync(
    join(etc, "resolv.conf"),
    `search ${namespace}.svc.${cluster} svc.${cluster} ${cluster}\nnameserver 127.0.0.53\noptions ndots:5\n`,
  );
  for (const f of ["hosts", "hostname", "resolv.conf"]) {
    mounts.push({ destination: `/etc/${f}`, type: "bind", source: join(etc, f), options: ["rbind", "rw"] });
  }

  const user = imageUser(image);
  const uid = sec.runAsUser ?? podSec.runAsUser ?? user.uid;
  const gid = sec.runAsGroup ?? podSec.runAsGroup ?? user.gid;
  const dropAll = sec.capabilities?.drop?.includes("ALL") ?? false;
  const caps = dropAll ? (sec.capabilities?.add ?? []).map((a) => `CAP_${a}`) : undefined;
  spec.process = {
    ...spec.process,
    user: { uid, gid, additionalGids: [...new Set([gid, ...(fsGroup !== undefined ? [fsGroup] : [])])] },
    args: processArgs(c, image),
    env: processEnv(c, image, o.stack, pod.hostname),
    cwd: c.workingDir ?? image.WorkingDir ?? "/",
    ...(caps
      ? { capabilities: { bounding: caps, effective: caps, permitted: caps, inheritable: [], ambient: [] } }
      : {}),
    noNewPrivileges: sec.allowPrivilegeEscalation === false,
  };
  // Pods inherit containerd's open-file limit (the CRI plugin sets none; ctr's default is 1024).
  delete spec.process.rlimits;
  spec.root = { path: rootfs, readonly: sec.readOnlyRootFilesystem === true };
  spec.hostname = pod.hostname;
  // The CRI plugin mounts no /run tmpfs (ctr's default spec does): a read-only root stays read-only.
  spec.mounts = [...spec.mounts.filter((m) => m.destination !== "/run"), ...mounts];
  spec.linux.cgroupsPath = `/k8s.io/${id}`;
  spec.linux.namespaces = spec.linux.namespaces.map((n) =>
    n.type === "network" ? { type: "network", path: rt.netns } : n,
  );
  const seccomp = sec.seccompProfile?.type ?? podSec.seccompProfile?.type;
  if (seccomp !== "RuntimeDefault") delete spec.linux.seccomp;
  const specFile = join(rt.dir, `${o.id}.json`);
  writeFileSync(specFile, JSON.stringify(spec));
  return { specFile, rootfs, id };
}

async function remove(rt: PodRuntime, id: string, rootfs: string): Promise<void> {
  await run("ctr", ctrArgs(rt, ["tasks", "kill", "-s", "SIGKILL", id]), { timeoutMs: 30_000 });
  for (let i = 0; i < 50; i++) {
    const d = await run("ctr", ctrArgs(rt, ["tasks", "delete", id]), { timeoutMs: 30_000 });
    if (d.code === 0 || /not found/.test(d.stderr)) break;
    await sleep(200);
  }
  await run("ctr", ctrArgs(rt, ["containers", "delete", id]), { timeoutMs: 30_000 });
  await run("ctr", ctrArgs(rt, ["images", "unmount", "--rm", rootfs]), { timeoutMs: 30_000 });
}

/** Starts the container in the background (a server), its output in `<rt.dir>/<id>.log`. */
export async function startPodContainer(rt: PodRuntime, o: PodContainerOptions): Promise<RunningContainer> {
  const { specFile, rootfs, id } = await prepare(rt, o);
  const logFile = join(rt.dir, `${o.id}.log`);
  await rt.containerd.ctr(["run", "--detach", "--log-uri", `file://${logFile}`, "--config", specFile, id]);
  let execs = 0;
  return {
    id,
    logFile,
    exec: (args, timeoutMs) =>
      run("ctr", ctrArgs(rt, ["tasks", "exec", "--exec-id", `exec-${++execs}`, id, ...args]), {
        timeoutMs,
      }),
    running: async () => {
      const r = await run("ctr", ctrArgs(rt, ["tasks", "ls"]), { timeoutMs: 30_000 });
      return r.stdout.split("\n").some((l) => l.split(/\s+/)[0] === id && /RUNNING/.test(l));
    },
    stop: () => remove(rt, id, rootfs),
  };
}

/** Runs the container to completion (a Job's pod), returning its exit status and output. */
export async function runPodContainer(
  rt: PodRuntime,
  o: PodContainerOptions,
  timeoutMs: number,
): Promise<RunResult> {
  const { specFile, rootfs, id } = await prepare(rt, o);
  try {
    return await run("ctr", ctrArgs(rt, ["run", "--config", specFile, id]), { timeoutMs });
  } finally {
    await remove(rt, id, rootfs);
  }
}

/** The container port a probe's named or numbered port means. */
export function probePort(container: Container, port: string | number): number {
  if (typeof port === "number") return port;
  const found = container.ports?.find((p) => p.name === port)?.containerPort;
  if (found === undefined) throw new E2EError(`${container.name}: no port named ${port}`);
  return found;
}

/** Whether 127.0.0.1:`port` accepts a connection within `timeoutMs`. */
export function tcpOpen(port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

/** One probe attempt as the kubelet makes it (default timeout 1 s). */
export async function probeOnce(
  c: RunningContainer,
  container: Container,
  p: Probe,
): Promise<{ ok: boolean; detail: string }> {
  const timeoutMs = (p.timeoutSeconds ?? 1) * 1000;
  if (p.exec) {
    const r = await c.exec(p.exec.command, timeoutMs + 5000);
    return {
      ok: r.code === 0 && !r.timedOut,
      detail: `${p.exec.command.join(" ")}: exit ${r.code ?? r.signal}${r.timedOut ? " (timed out)" : ""} ${`${r.stdout}${r.stderr}`.trim().slice(0, 300)}`,
    };
  }
  if (p.tcpSocket) {
    const port = probePort(container, p.tcpSocket.port);
    const ok = await tcpOpen(port, timeoutMs);
    return { ok, detail: `tcp ${port}: ${ok ? "open" : "closed"}` };
  }
  throw new E2EError(`${container.name}: a probe of a kind this check does not run`);
}

/**
 * Probes every `periodSeconds` (default 10) until one succeeds, at most `failureThreshold` times
 * (default 3; `attempts` overrides it for readiness, which the kubelet retries without end).
 */
export async function probeUntil(
  c: RunningContainer,
  container: Container,
  p: Probe,
  attempts = p.failureThreshold ?? 3,
): Promise<{ ok: boolean; detail: string; seconds: number }> {
  const started = Date.now();
  let last = { ok: false, detail: "not probed" };
  for (let i = 0; i < attempts; i++) {
    if (i > 0) await sleep((p.periodSeconds ?? 10) * 1000);
    if (!(await c.running())) return { ok: false, detail: "the container exited", seconds: 0 };
    last = await probeOnce(c, container, p);
    if (last.ok) break;
  }
  return { ...last, seconds: Math.round((Date.now() - started) / 100) / 10 };
}

/**
 * A command's result once it printed something: `ctr tasks exec` can lose the output of a command
 * that ends at once (its I/O copy races the exit) on a loaded machine.
 */
async function execWithOutput(c: RunningContainer, args: readonly string[]): Promise<RunResult> {
  let r = await c.exec(args, 30_000);
  for (let i = 0; i < 4 && `${r.stdout}${r.stderr}`.trim() === ""; i++) {
    await sleep(500);
    r = await c.exec(args, 30_000);
  }
  return r;
}

/** The container runs as the pod's user, group and fsGroup, on a read-only root if it asks for one. */
export async function securityChecks(
  c: RunningContainer,
  pod: RenderedPod,
  checks: Checks,
  label: string,
): Promise<void> {
  const podSec = pod.spec.securityContext ?? {};
  const sec = pod.container.securityContext ?? {};
  const uid = sec.runAsUser ?? podSec.runAsUser;
  const gid = sec.runAsGroup ?? podSec.runAsGroup;
  const id = await execWithOutput(c, ["sh", "-c", 'echo "$(id -u) $(id -g) $(id -G)"']);
  const [u, g, ...groups] = id.stdout.trim().split(/\s+/);
  checks.that(
    id.code === 0 &&
      (uid === undefined || u === String(uid)) &&
      (gid === undefined || g === String(gid)) &&
      (podSec.fsGroup === undefined || groups.includes(String(podSec.fsGroup))),
    `${label}: runs as uid ${uid}, gid ${gid}, fsGroup ${podSec.fsGroup} in its groups`,
    `id exited ${id.code ?? id.signal}${id.timedOut ? " (timed out)" : ""}: ${id.stdout.trim()} ${id.stderr.trim()}`,
  );
  if (sec.readOnlyRootFilesystem) {
    const ro = await execWithOutput(c, ["sh", "-c", "touch /e2e-root-write"]);
    checks.that(
      ro.code !== 0 && /read-only file system/i.test(ro.stderr + ro.stdout),
      `${label}: the root filesystem is read-only`,
      `touch / exited ${ro.code}: ${ro.stderr.trim()}`,
    );
  }
}
