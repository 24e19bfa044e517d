import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { E2EError, mustRun, type RunOptions, run, sleep } from "./proc";

// A Kubernetes control plane (etcd, kube-apiserver, kube-controller-manager, kube-scheduler) with
// kwok faking the nodes and the pod lifecycle, started by kwokctl from the binaries build.sh made.
// Its state and kubeconfig live in the e2e's temporary directory; ~/.kube and ~/.kwok are never
// touched.

export interface Cluster {
  name: string;
  /** The kube context kwokctl writes: kwok-<name>. */
  context: string;
  kubeconfig: string;
  workdir: string;
  env: NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

export interface ClusterOptions {
  name: string;
  bin: string;
  workdir: string;
  kubeconfig: string;
  nodes: number;
  logFile: string;
  log: (message: string) => void;
  /**
   * A real kubelet joins this cluster: kwok then manages only its own nodes (annotation
   * kwok.x-k8s.io/node=fake, which `kwokctl scale node` sets), and the API server's certificate
   * also names these addresses (pods reach it at the node's IP).
   */
  realNode?: { apiServerSans: string[] };
}

/** kwokctl's configuration when a real node joins (see ClusterOptions.realNode). */
/**
 * The names and address pods use for the API server (the `kubernetes` Service: the first address
 * of kwokctl's service range, 10.0.0.0/24): a ServiceAccount client, such as the log shipper's pod
 * discovery, verifies the certificate against them. The real node's join checks the address.
 */
export const IN_CLUSTER_API_SANS = [
  "10.0.0.1",
  "kubernetes",
  "kubernetes.default",
  "kubernetes.default.svc",
  "kubernetes.default.svc.cluster.local",
] as const;

function kwokctlConfig(sans: readonly string[]): string {
  return `apiVersion: config.kwok.x-k8s.io/v1alpha1
kind: KwokctlConfiguration
options:
  kubeApiserverCertSANs: [${sans.map((s) => JSON.stringify(s)).join(", ")}]
componentsPatches:
  - name: kube-apiserver
    extraArgs:
      # The real node's name does not resolve: logs and exec go to its InternalIP.
      - key: kubelet-preferred-address-types
        value: InternalIP,Hostname
      # MutatingAdmissionPolicy (beta in 1.34, off by default): the rollback step's stack is placed
      # on the real node with it (test/e2e/node/placement.ts).
      - key: feature-gates
        value: MutatingAdmissionPolicy=true
      - key: runtime-config
        value: admissionregistration.k8s.io/v1beta1=true
  - name: kwok-controller
    extraArgs:
      - key: manage-all-nodes
        value: "false"
      - key: manage-nodes-with-annotation-selector
        value: kwok.x-k8s.io/node=fake
`;
}

function pidsOf(workdir: string, name: string): number[] {
  const dir = join(workdir, "clusters", name, "pids");
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .map((f) => Number.parseInt(readFileSync(join(dir, f), "utf8").trim(), 10))
    .filter((p) => Number.isInteger(p) && p > 0);
}

/** A process that is gone or a zombie (exited, not yet reaped by whoever adopted it). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    return !/^State:\s+Z/m.test(status);
  } catch {
    return false;
  }
}

export async function startCluster(o: ClusterOptions): Promise<Cluster> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    KWOK_WORKDIR: o.workdir,
    KUBECONFIG: o.kubeconfig,
    // kwokctl runs kubectl from PATH (Debian's /usr/bin/kubectl on these machines).
    PATH: `${o.bin}:${process.env.PATH ?? ""}`,
  };
  const base: RunOptions = { env, logFile: o.logFile, timeoutMs: 5 * 60_000 };
  let started = false;
  const cluster: Cluster = {
    name: o.name,
    context: `kwok-${o.name}`,
    kubeconfig: o.kubeconfig,
    workdir: o.workdir,
    env,
    stop: async () => {
      if (!started) return;
      started = false;
      const pids = pidsOf(o.workdir, o.name);
      const r = await run(
        join(o.bin, "kwokctl"),
        ["delete", "cluster", "--name", o.name, "--kubeconfig", o.kubeconfig],
        base,
      );
      if (r.code !== 0) o.log(`kwokctl delete cluster failed (exit ${r.code}); killing its processes`);
      // kwokctl stops the components by pid; make sure none survives.
      const deadline = Date.now() + 10_000;
      while (Date.now() < deadline && pids.some(alive)) await sleep(200);
      for (const pid of pids.filter(alive)) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // gone
        }
      }
      o.log(`cluster ${o.name} stopped`);
    },
  };
  o.log(`cluster: kwokctl create cluster --name ${o.name} --runtime binary (local binaries)`);
  const configArgs: string[] = [];
  if (o.realNode) {
    mkdirSync(o.workdir, { recursive: true });
    const file = join(o.workdir, "kwokctl-real-node.yaml");
    writeFileSync(file, kwokctlConfig([...o.realNode.apiServerSans, ...IN_CLUSTER_API_SANS]));
    configArgs.push("--config", file);
  }
  started = true;
  await mustRun(
    join(o.bin, "kwokctl"),
    [
      ...configArgs,
      "create",
      "cluster",
      "--name",
      o.name,
      "--runtime",
      "binary",
      "--kube-apiserver-binary",
      join(o.bin, "kube-apiserver"),
      "--kube-controller-manager-binary",
      join(o.bin, "kube-controller-manager"),
      "--kube-scheduler-binary",
      join(o.bin, "kube-scheduler"),
      "--kwok-controller-binary",
      join(o.bin, "kwok"),
      "--etcd-binary",
      join(o.bin, "etcd"),
      "--kubeconfig",
      o.kubeconfig,
      "--wait",
      "3m",
    ],
    base,
  );
  await mustRun(
    join(o.bin, "kwokctl"),
    ["--name", o.name, "scale", "node", "--replicas", String(o.nodes)],
    base,
  );
  if (o.nodes > 0) {
    await kubectl(cluster, ["wait", "--for=condition=Ready", "node", "--all", "--timeout=120s"]);
  }

  // kwok's default stages: pods become Ready (pod-ready) and pods owned by a Job complete
  // (pod-complete). Without the second one, no migration Job would ever finish.
  const config = readFileSync(join(o.workdir, "clusters", o.name, "kwok.yaml"), "utf8");
  const stages = config.split(/^---$/m).filter((d) => /^kind: Stage$/m.test(d));
  const complete = stages.find((d) => /^ {2}name: pod-complete$/m.test(d));
  if (!complete || !/ownerReferences[\s\S]*-\s+Job\b/.test(complete)) {
    throw new E2EError(
      "kwok's configuration has no pod-complete stage for Job-owned pods: migration Jobs would never complete",
    );
  }
  if (!stages.some((d) => /^ {2}name: pod-ready$/m.test(d))) {
    throw new E2EError("kwok's configuration has no pod-ready stage: Deployments would never become Ready");
  }
  const version = await kubectl(cluster, ["version", "-o", "json"]);
  const server = (JSON.parse(version.stdout) as { serverVersion?: { gitVersion?: string } }).serverVersion;
  o.log(
    `cluster: ${cluster.context} up, Kubernetes ${server?.gitVersion ?? "?"}, ${o.nodes} kwok node(s); stages pod-ready and pod-complete (Job pods) present`,
  );
  return cluster;
}

export function kubectl(cluster: Cluster, args: readonly string[], options: RunOptions = {}) {
  return mustRun("kubectl", ["--context", cluster.context, ...args], {
    env: cluster.env,
    timeoutMs: 3 * 60_000,
    ...options,
  });
}

/**
 * `kubectl apply` of objects built in code: written as one `kind: List` to `<dir>/<name>.json`
 * (kept with the run's logs) and applied. Returns the file, for a later `kubectl delete -f`.
 */
export async function applyObjects(
  cluster: Cluster,
  objects: readonly unknown[],
  o: { dir: string; name: string; logFile: string },
): Promise<string> {
  const file = join(o.dir, `${o.name}.json`);
  writeFileSync(file, JSON.stringify({ apiVersion: "v1", kind: "List", items: objects }));
  await kubectl(cluster, ["apply", "-f", file], { logFile: o.logFile });
  return file;
}

/**
 * `kubectl wait --for=<condition>` on objects of one namespace (`pod/x`, `job/y`). Resolves with the
 * result instead of throwing, so the caller reports a timeout as a failed check with kubectl's words.
 */
export function kubectlWait(
  cluster: Cluster,
  namespace: string,
  what: readonly string[],
  o: { seconds: number; logFile: string; condition?: string },
) {
  return run(
    "kubectl",
    [
      "--context",
      cluster.context,
      "-n",
      namespace,
      "wait",
      `--for=${o.condition ?? "condition=Ready"}`,
      ...what,
      `--timeout=${o.seconds}s`,
    ],
    { env: cluster.env, logFile: o.logFile },
  );
}

export async function kubectlJson<T>(cluster: Cluster, args: readonly string[]): Promise<T> {
  const r = await kubectl(cluster, [...args, "-o", "json"]);
  return JSON.parse(r.stdout) as T;
}

export interface KubeObject {
  apiVersion?: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    creationTimestamp: string;
    deletionTimestamp?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: { kind: string; name: string }[];
    generation?: number;
  };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
}

export interface KubeList<T = KubeObject> {
  items: T[];
}

/** Gateway API CRDs (standard channel) from the module proxy's copy of sigs.k8s.io/gateway-api. */
export async function installGatewayApi(
  cluster: Cluster,
  version: string,
  logFile: string,
  log: (message: string) => void,
): Promise<void> {
  const dl = await mustRun("go", ["mod", "download", "-json", `sigs.k8s.io/gateway-api@${version}`], {
    cwd: cluster.workdir,
    env: { ...process.env, GOFLAGS: "", GO111MODULE: "on", GOTOOLCHAIN: "local" },
    logFile,
    timeoutMs: 5 * 60_000,
  });
  const dir = (JSON.parse(dl.stdout) as { Dir?: string }).Dir;
  const crds = dir ? join(dir, "config", "crd", "standard") : "";
  if (!crds || !existsSync(crds)) {
    throw new E2EError(`go mod download of sigs.k8s.io/gateway-api@${version} gave no config/crd/standard`);
  }
  await kubectl(cluster, ["apply", "--server-side", "-f", crds], { logFile });
  await kubectl(
    cluster,
    [
      "wait",
      "--for=condition=Established",
      "crd/gateways.gateway.networking.k8s.io",
      "crd/httproutes.gateway.networking.k8s.io",
      "crd/gatewayclasses.gateway.networking.k8s.io",
      "--timeout=60s",
    ],
    { logFile },
  );
  const files = readdirSync(crds).filter((f) => f.endsWith(".yaml")).length;
  log(`gateway api: ${version} standard channel applied (${files} files from the Go module proxy)`);
}
