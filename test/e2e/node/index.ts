import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Cluster, IN_CLUSTER_API_SANS, type KubeObject, kubectl, kubectlJson } from "../lib/cluster";
import { E2EError, run, sleep } from "../lib/proc";
import { CNI_BIN_DIR, startContainerd, unmountUnder } from "./containerd";
import { type Daemon, startDaemon } from "./daemon";
import { deployDns } from "./dns";
import { type BrokenAppImage, buildNodeImages, type NodeImages } from "./images";
import { startKubelet } from "./kubelet";
import { netnsNames, removeBridge, removeKubeRouterState, removeNetns, writeCniConfig } from "./network";

// A real node for the e2e's cluster: containerd + runc (Debian), the kubelet and kube-proxy
// (k8s.io/kubernetes), kube-router's NetworkPolicy firewall and CoreDNS (Go modules), Debian's
// bridge CNI. Everything lives under the run's directory and is removed by stop(), including the
// iptables chains, ipsets, network namespaces and mounts the pods left.

export const REAL_NODE_NAME = "real-1";
/** Where the feasibility step keeps the platform's pods off the node until the real run. */
export const REAL_NODE_TAINT = "platform.internal/real-node=true:NoSchedule";
const BRIDGE = "e2ebr0";
const POD_CIDR = "10.244.0.0/24";
const POD_GATEWAY = "10.244.0.1";

/** The binaries of toolchain piece `node`. */
export const NODE_BINARIES = ["kubelet", "kube-proxy", "kube-router", "coredns"] as const;
/** What this machine must provide (Debian packages containerd, runc, containernetworking-plugins, ipset, conntrack). */
const HOST_COMMANDS = ["containerd", "runc", "ctr", "iptables", "ipset", "conntrack", "ip", "tar"];

const POD_LOG_DIRS = ["/var/log/pods", "/var/log/containers"];
const listDir = (d: string) => (existsSync(d) ? readdirSync(d) : []);

export interface RealNode {
  name: string;
  ip: string;
  dnsIp: string;
  podCidr: string;
  images: NodeImages;
  stop(): Promise<void>;
}

export interface RealNodeOptions {
  cluster: Cluster;
  /** Directory with the NODE_BINARIES. */
  bin: string;
  dir: string;
  logDir: string;
  logFile: string;
  log: (message: string) => void;
  /** Keep pods without a toleration off the node. */
  taint: boolean;
  /** Image references the catalog's services use: each becomes the contract app. */
  appImages: readonly string[];
  /** Deliberately broken releases of the contract app (the rollback step). */
  brokenAppImages?: readonly BrokenAppImage[];
  /** Further OCI archives to import (the Debian-built backing images). */
  extraArchives?: readonly string[];
}

/** Why this machine cannot run a real node, or undefined when it can (`bin`: also the node piece). */
export async function realNodeUnavailable(bin: string | undefined): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return "the real node needs root (namespaces, cgroups, iptables)";
  const missing: string[] = [];
  for (const c of HOST_COMMANDS) {
    if ((await run("sh", ["-c", `command -v ${c}`])).code !== 0) missing.push(c);
  }
  if (!existsSync(join(CNI_BIN_DIR, "bridge"))) missing.push(`${CNI_BIN_DIR}/bridge`);
  if (missing.length > 0) {
    return `missing on this machine: ${missing.join(", ")} (Debian: apt-get install containerd runc containernetworking-plugins ipset conntrack)`;
  }
  if (bin === undefined) return undefined;
  const absent = NODE_BINARIES.filter((b) => !existsSync(join(bin, b)));
  if (absent.length > 0) return `toolchain piece "node" not built (${absent.join(", ")} missing in ${bin})`;
  return undefined;
}

/** This machine's IPv4 address on its default route: the node's InternalIP. */
export async function nodeIp(): Promise<string> {
  const r = await run("ip", ["-4", "-o", "route", "get", "192.0.2.1"]);
  const m = /\bsrc (\d+\.\d+\.\d+\.\d+)/.exec(r.stdout);
  if (!m?.[1]) throw new E2EError(`cannot find this machine's IPv4 address: ${r.stdout}${r.stderr}`);
  return m[1];
}

/** The cluster's kubeconfig with certificates inline, optionally pointing at another address. */
async function standaloneKubeconfig(cluster: Cluster, server?: string): Promise<string> {
  const r = await kubectl(cluster, ["config", "view", "--raw", "--minify", "--flatten"]);
  return server ? r.stdout.replace(/server: https:\/\/[^:\s]+:/, `server: https://${server}:`) : r.stdout;
}

async function waitFor(what: string, timeoutMs: number, check: () => Promise<boolean>, daemons: Daemon[]) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    const dead = daemons.find((d) => d.exited());
    if (dead)
      throw new E2EError(
        `${dead.name} stopped (${dead.exited()}) while waiting for ${what}; log: ${dead.logFile}`,
      );
    if (Date.now() > deadline)
      throw new E2EError(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await sleep(500);
  }
}

export async function startRealNode(o: RealNodeOptions): Promise<RealNode> {
  const ip = await nodeIp();
  mkdirSync(o.dir, { recursive: true });
  const netnsBefore = new Set(netnsNames());
  // The kubelet writes container logs under /var/log/pods (and links in /var/log/containers).
  const logsBefore = new Map(POD_LOG_DIRS.map((d) => [d, new Set(listDir(d))]));
  const daemons: Daemon[] = [];
  let containerd: Awaited<ReturnType<typeof startContainerd>> | undefined;
  const bin = (name: (typeof NODE_BINARIES)[number]) => join(o.bin, name);
  const kubeconfig = join(o.dir, "kubeconfig");
  writeFileSync(kubeconfig, await standaloneKubeconfig(o.cluster));

  const stop = async () => {
    for (const name of ["kubelet", "kube-router", "kube-proxy"])
      await daemons.find((d) => d.name === name)?.stop();
    // Out of the cluster too: DaemonSets stop counting it, and its pods are garbage-collected.
    await run(
      "kubectl",
      [
        "--context",
        o.cluster.context,
        "delete",
        "node",
        REAL_NODE_NAME,
        "--ignore-not-found",
        "--wait=false",
      ],
      { env: o.cluster.env, logFile: o.logFile, timeoutMs: 60_000 },
    );
    await containerd?.stop();
    await removeNetns(
      netnsNames().filter((n) => !netnsBefore.has(n)),
      o.logFile,
    );
    await removeBridge(BRIDGE, o.logFile);
    await run(bin("kube-proxy"), ["--cleanup"], { logFile: o.logFile, timeoutMs: 60_000 });
    await removeKubeRouterState(o.logFile);
    for (const [d, before] of logsBefore) {
      for (const entry of listDir(d).filter((e) => !before.has(e)))
        rmSync(join(d, entry), { recursive: true, force: true });
    }
    await unmountUnder(o.dir);
    rmSync(o.dir, { recursive: true, force: true });
    o.log(
      `real node ${REAL_NODE_NAME}: stopped and removed from the cluster; its containers, mounts, iptables chains and ipsets removed`,
    );
  };

  try {
    const images = await buildNodeImages({
      appImages: o.appImages,
      ...(o.brokenAppImages ? { brokenAppImages: o.brokenAppImages } : {}),
      corednsBinary: bin("coredns"),
      tmp: o.dir,
      logFile: o.logFile,
    });
    containerd = await startContainerd(join(o.dir, "containerd"), o.logDir);
    daemons.push(containerd.daemon);
    for (const archive of [...images.archives, ...(o.extraArchives ?? [])]) {
      await containerd.ctr(["images", "import", archive]);
    }
    writeCniConfig(containerd.cniConfDir, o.dir, { bridge: BRIDGE, podCidr: POD_CIDR, gateway: POD_GATEWAY });

    const services = await kubectlJson<KubeObject>(o.cluster, [
      "get",
      "service",
      "kubernetes",
      "-n",
      "default",
    ]);
    const apiIp = String(services.spec?.clusterIP ?? "");
    if (!(IN_CLUSTER_API_SANS as readonly string[]).includes(apiIp))
      throw new E2EError(
        `the kubernetes Service is at ${apiIp}, not in the API server certificate (${IN_CLUSTER_API_SANS.join(", ")}: lib/cluster.ts): pods could not verify it`,
      );
    const dnsIp = apiIp.replace(/\.\d+$/, ".10");
    if (!/^\d+\.\d+\.\d+\.10$/.test(dnsIp)) throw new E2EError(`unexpected kubernetes Service IP "${apiIp}"`);

    const kubelet = startKubelet({
      bin: bin("kubelet"),
      dir: join(o.dir, "kubelet"),
      logDir: o.logDir,
      kubeconfig,
      nodeName: REAL_NODE_NAME,
      nodeIp: ip,
      runtimeSocket: containerd.socket,
      clusterDns: dnsIp,
      podCidr: POD_CIDR,
      taints: o.taint ? [REAL_NODE_TAINT] : [],
      labels: { "platform.internal/real-node": "true" },
    });
    daemons.push(kubelet);
    await waitFor(
      `node ${REAL_NODE_NAME} to register`,
      120_000,
      async () =>
        (
          await run("kubectl", ["--context", o.cluster.context, "get", "node", REAL_NODE_NAME], {
            env: o.cluster.env,
          })
        ).code === 0,
      daemons,
    );
    const common = [`--kubeconfig=${kubeconfig}`, `--hostname-override=${REAL_NODE_NAME}`];
    daemons.push(
      startDaemon(
        "kube-proxy",
        bin("kube-proxy"),
        [
          ...common,
          "--proxy-mode=iptables",
          `--cluster-cidr=${POD_CIDR}`,
          "--conntrack-max-per-core=0",
          "--v=1",
        ],
        { logFile: join(o.logDir, "kube-proxy.log") },
      ),
      startDaemon(
        "kube-router",
        bin("kube-router"),
        [...common, "--run-firewall=true", "--run-router=false", "--run-service-proxy=false", "--v=1"],
        { logFile: join(o.logDir, "kube-router.log") },
      ),
    );
    await kubectl(o.cluster, ["wait", "--for=condition=Ready", `node/${REAL_NODE_NAME}`, "--timeout=120s"]);
    await deployDns(o.cluster, {
      image: images.coredns,
      serviceIp: dnsIp,
      nodeName: REAL_NODE_NAME,
      kubeconfig: await standaloneKubeconfig(o.cluster, ip),
      dir: o.dir,
      logFile: o.logFile,
    });
    const dead = daemons.find((d) => d.exited());
    if (dead) throw new E2EError(`${dead.name} stopped (${dead.exited()}); log: ${dead.logFile}`);
    o.log(
      `real node ${REAL_NODE_NAME} Ready at ${ip}: containerd, kubelet, kube-proxy, kube-router firewall, CoreDNS at ${dnsIp}; pods in ${POD_CIDR}; ${images.archives.length} images imported`,
    );
    return { name: REAL_NODE_NAME, ip, dnsIp, podCidr: POD_CIDR, images, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
