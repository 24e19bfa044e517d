import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { webProbes } from "../../../components/service/probes";
import {
  applyObjects,
  type Cluster,
  type KubeObject,
  kubectl,
  kubectlJson,
  kubectlWait,
} from "../lib/cluster";
import { run, sleep } from "../lib/proc";
import type { Checks } from "../lib/report";
import { REAL_NODE_TAINT, type RealNode } from "./index";
import { blocked, hostGet, reachFrom } from "./reach";

// The feasibility step of the real node: one pod with the platform's restricted security context
// runs on it, passes a real HTTP readiness probe, gets an IP from the pod network, resolves
// cluster DNS and reaches another pod through its Service; a deny-all NetworkPolicy then blocks
// that path (and DNS), and a policy that allows exactly it opens it again.

const NS = "e2e-feasibility";

/** A pod running the contract app with the platform's restricted security context, on the real node. */
export function restrictedPod(name: string, image: string, namespace = NS): Record<string, unknown> {
  const [key = "", value = ""] = REAL_NODE_TAINT.split(":")[0]?.split("=") ?? [];
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace, labels: { app: name } },
    spec: {
      nodeSelector: { "platform.internal/real-node": "true" },
      tolerations: [{ key, value, operator: "Equal", effect: "NoSchedule" }],
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      securityContext: {
        runAsNonRoot: true,
        runAsUser: 10001,
        runAsGroup: 10001,
        seccompProfile: { type: "RuntimeDefault" },
        sysctls: [{ name: "net.ipv4.ip_unprivileged_port_start", value: "0" }],
      },
      containers: [
        {
          name: "app",
          image,
          imagePullPolicy: "IfNotPresent",
          env: [
            { name: "SERVER_NAME", value: ":80" },
            { name: "CADDY_GLOBAL_OPTIONS", value: "admin :2019\nmetrics" },
            { name: "MONOLOG_LEVEL__DEFAULT", value: "info" },
          ],
          ports: [
            { name: "http", containerPort: 80 },
            { name: "metrics", containerPort: 2019 },
          ],
          resources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { memory: "64Mi" } },
          // The platform's own probes (components/service/probes.ts).
          ...webProbes("/health/ready"),
          securityContext: {
            allowPrivilegeEscalation: false,
            privileged: false,
            readOnlyRootFilesystem: true,
            runAsNonRoot: true,
            capabilities: { drop: ["ALL"] },
            seccompProfile: { type: "RuntimeDefault" },
          },
        },
      ],
    },
  };
}

async function until<T>(timeoutMs: number, probe: () => Promise<T>, ok: (t: T) => boolean): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = await probe();
  while (!ok(last) && Date.now() < deadline) {
    await sleep(1000);
    last = await probe();
  }
  return last;
}

export async function feasibility(
  cluster: Cluster,
  node: RealNode,
  image: string,
  checks: Checks,
  o: { dir: string; logFile: string; log: (m: string) => void },
): Promise<void> {
  const apply = (name: string, objects: unknown[]) =>
    applyObjects(cluster, objects, { dir: o.dir, name, logFile: o.logFile });
  const started = Date.now();
  await apply("feasibility-namespace", [
    {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: NS, labels: { "pod-security.kubernetes.io/enforce": "restricted" } },
    },
  ]);
  try {
    await apply("feasibility-pods", [
      restrictedPod("server", image),
      restrictedPod("client", image),
      {
        apiVersion: "v1",
        kind: "Service",
        metadata: { name: "server", namespace: NS },
        spec: { selector: { app: "server" }, ports: [{ name: "http", port: 80, targetPort: "http" }] },
      },
    ]);
    const wait = await kubectlWait(cluster, NS, ["pod/server", "pod/client"], {
      seconds: 180,
      logFile: o.logFile,
    });
    const pods = await kubectlJson<{ items: KubeObject[] }>(cluster, ["-n", NS, "get", "pods"]);
    const server = pods.items.find((p) => p.metadata.name === "server");
    const client = pods.items.find((p) => p.metadata.name === "client");
    const ipOf = (p?: KubeObject) => String((p?.status as { podIP?: string } | undefined)?.podIP ?? "");
    const serverIp = ipOf(server);
    const clientIp = ipOf(client);
    const onNode = pods.items.every((p) => (p.spec as { nodeName?: string }).nodeName === node.name);
    const prefix = node.podCidr.replace(/\.0\/24$/, ".");
    checks.that(
      wait.code === 0 && onNode && serverIp.startsWith(prefix) && clientIp.startsWith(prefix),
      `real node: two restricted pods (non-root, read-only root, drop ALL, seccomp RuntimeDefault, namespace enforcing restricted) Ready on ${node.name} after real startup/readiness probes, with pod IPs ${serverIp} and ${clientIp} from ${node.podCidr} (${Math.round((Date.now() - started) / 1000)} s)`,
      `${wait.stderr.trim()} nodes: ${pods.items.map((p) => `${p.metadata.name}@${(p.spec as { nodeName?: string }).nodeName}`).join(", ")} IPs: ${serverIp}, ${clientIp}`,
    );
    if (wait.code !== 0) return;
    const metrics = await hostGet(`http://${serverIp}:2019/metrics`);
    checks.that(
      metrics.status === 200 && /contract_up 1/.test(metrics.body),
      `real node: the pod answers on its IP (GET ${serverIp}:2019/metrics from the host)`,
      `${metrics.status} ${metrics.error ?? metrics.body.slice(0, 200)}`,
    );
    const byName = `http://server.${NS}.svc.cluster.local/_contract/ping`;
    const open = await until(
      30_000,
      () => reachFrom(clientIp, byName),
      (r) => r.status === 200,
    );
    checks.that(
      open.status === 200,
      `real node: pod "client" resolves server.${NS}.svc.cluster.local through cluster DNS (CoreDNS at ${node.dnsIp}) and reaches pod "server" through its Service (kube-proxy)`,
      JSON.stringify(open),
    );

    await apply("feasibility-deny-all", [
      {
        apiVersion: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: { name: "deny-all", namespace: NS },
        spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
      },
    ]);
    const denied = await until(30_000, () => reachFrom(clientIp, byName), blocked);
    const deniedByIp = await reachFrom(clientIp, `http://${serverIp}/_contract/ping`);
    checks.that(
      blocked(denied) && blocked(deniedByIp),
      "real node: a deny-all NetworkPolicy (kube-router's firewall) blocks the client: no DNS answer by name and no connection by pod IP",
      `by name: ${JSON.stringify(denied)}; by IP: ${JSON.stringify(deniedByIp)}`,
    );
    const stillReady = await kubectlJson<KubeObject>(cluster, ["-n", NS, "get", "pod", "server"]);
    const conditions =
      (stillReady.status as { conditions?: { type: string; status: string }[] })?.conditions ?? [];
    checks.that(
      conditions.some((c) => c.type === "Ready" && c.status === "True"),
      "real node: under deny-all the kubelet's probes still pass (traffic from the node itself is allowed)",
      JSON.stringify(conditions),
    );

    await apply("feasibility-allow", [
      {
        apiVersion: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: { name: "client-egress", namespace: NS },
        spec: {
          podSelector: { matchLabels: { app: "client" } },
          policyTypes: ["Egress"],
          egress: [
            { to: [{ podSelector: { matchLabels: { app: "server" } } }], ports: [{ port: 80 }] },
            {
              to: [
                {
                  namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
                  podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
                },
              ],
              ports: [
                { port: 53, protocol: "UDP" },
                { port: 53, protocol: "TCP" },
              ],
            },
          ],
        },
      },
      {
        apiVersion: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: { name: "server-ingress", namespace: NS },
        spec: {
          podSelector: { matchLabels: { app: "server" } },
          policyTypes: ["Ingress"],
          ingress: [{ from: [{ podSelector: { matchLabels: { app: "client" } } }], ports: [{ port: 80 }] }],
        },
      },
    ]);
    const reopened = await until(
      30_000,
      () => reachFrom(clientIp, byName),
      (r) => r.status === 200,
    );
    const metricsPort = await reachFrom(clientIp, `http://${serverIp}:2019/metrics`);
    checks.that(
      reopened.status === 200 && blocked(metricsPort),
      "real node: policies allowing exactly client -> server:80 and DNS open that path again, while server:2019 stays closed to the client",
      `server:80 by name: ${JSON.stringify(reopened)}; server:2019: ${JSON.stringify(metricsPort)}`,
    );
    o.log(`real node: feasibility step done in ${Math.round((Date.now() - started) / 1000)} s`);
  } finally {
    await run("kubectl", ["--context", cluster.context, "delete", "namespace", NS, "--wait=false"], {
      env: cluster.env,
      logFile: o.logFile,
    });
  }
}

/**
 * Seconds from `kubectl create` of one restricted pod on the real node to Ready (sandbox, network,
 * container start, a passing startup and readiness probe), `runs` times; the image is pre-loaded.
 */
export async function timePodReady(
  cluster: Cluster,
  image: string,
  runs: number,
  o: { dir: string; logFile: string },
): Promise<number[]> {
  const ns = "e2e-pod-timing";
  const ms: number[] = [];
  const file = join(o.dir, "timing-namespace.json");
  writeFileSync(file, JSON.stringify({ apiVersion: "v1", kind: "Namespace", metadata: { name: ns } }));
  await kubectl(cluster, ["apply", "-f", file], { logFile: o.logFile });
  try {
    for (let i = 1; i <= runs; i++) {
      const name = `timed-${i}`;
      const podFile = join(o.dir, `${name}.json`);
      writeFileSync(podFile, JSON.stringify(restrictedPod(name, image, ns)));
      const started = Date.now();
      await kubectl(cluster, ["create", "-f", podFile], { logFile: o.logFile });
      await kubectl(cluster, ["-n", ns, "wait", "--for=condition=Ready", `pod/${name}`, "--timeout=120s"], {
        logFile: o.logFile,
      });
      ms.push(Date.now() - started);
      await kubectl(cluster, ["-n", ns, "delete", "pod", name, "--wait=true"], { logFile: o.logFile });
    }
  } finally {
    await run("kubectl", ["--context", cluster.context, "delete", "namespace", ns, "--wait=false"], {
      env: cluster.env,
      logFile: o.logFile,
    });
  }
  return ms;
}
