import { applyObjects, type Cluster, type KubeList, kubectlJson, kubectlWait } from "../lib/cluster";
import { run } from "../lib/proc";
import type { Checks } from "../lib/report";
import { restrictedPod } from "./feasibility";
import type { RealNode } from "./index";
import { podDependencies } from "./reach";
import { checkServicePaths, type Outsider, type ServiceEndpoint, startOutsider } from "./service-paths";

// The platform's own NetworkPolicies, as `pulumi up` created them, enforced on real traffic: for
// every service (read from the cluster: each web Deployment and its ConfigMap's APP__<TARGET>__HOST
// variables), one pod on the real node with the labels of that service's web pods and its
// ConfigMap, running the contract app. Then every declared dependency answers, every undeclared
// one is refused, a pod outside the platform cannot reach any of them (ingress) and none of them
// can reach it (egress), though its name resolves (DNS allowed).

const OUTSIDE = "e2e-outsider";

interface Probe {
  service: string;
  pod: string;
  dependsOn: string[];
  ip?: string;
}

export async function platformPoliciesOnRealPods(
  cluster: Cluster,
  node: RealNode,
  image: string,
  checks: Checks,
  o: { namespace: string; dir: string; logFile: string; log: (m: string) => void },
): Promise<void> {
  const ns = o.namespace;
  const webs = await kubectlJson<KubeList>(cluster, [
    "get",
    "deployments",
    "-n",
    ns,
    "-l",
    "app.kubernetes.io/component=web",
  ]);
  const probes: Probe[] = [];
  const pods: unknown[] = [];
  for (const d of webs.items) {
    const service = d.metadata.labels?.["app.kubernetes.io/name"];
    const template = (d.spec?.template ?? {}) as {
      metadata?: { labels?: Record<string, string> };
      spec?: unknown;
    };
    const declared = service ? await podDependencies(cluster, ns, template.spec) : undefined;
    if (!service || !declared) continue;
    const { configMap, dependsOn } = declared;
    const pod = `real-probe-${service}`;
    probes.push({ service, pod, dependsOn });
    const p = restrictedPod(pod, image, ns) as {
      metadata: { labels: Record<string, string> };
      spec: { containers: Record<string, unknown>[] };
    };
    // The service's web pod labels (without pod-template-hash, so no ReplicaSet adopts it).
    p.metadata.labels = { ...(template.metadata?.labels ?? {}) };
    const c = p.spec.containers[0];
    if (c) {
      c.envFrom = [{ configMapRef: { name: configMap } }];
      c.env = [];
    }
    pods.push(p);
  }
  if (probes.length === 0) throw new Error(`no web Deployment found in namespace ${ns}`);
  const started = Date.now();
  await applyObjects(cluster, pods, { dir: o.dir, name: "policies-probes", logFile: o.logFile });
  let outsider: Outsider | undefined;
  try {
    const waited = await kubectlWait(
      cluster,
      ns,
      probes.map((p) => `pod/${p.pod}`),
      { seconds: 240, logFile: o.logFile },
    );
    outsider = await startOutsider(cluster, image, { namespace: OUTSIDE, dir: o.dir, logFile: o.logFile });
    const readyIn = Math.round((Date.now() - started) / 1000);
    checks.that(
      waited.code === 0,
      `platform on real pods: one pod per service (${probes.length}) with its web pods' labels and ConfigMap Ready on ${node.name} in ${readyIn} s`,
      waited.stderr,
    );
    if (waited.code !== 0) return;
    const endpoints: ServiceEndpoint[] = [];
    for (const p of probes) {
      const got = await kubectlJson<{ status?: { podIP?: string } }>(cluster, [
        "get",
        "pod",
        "-n",
        ns,
        p.pod,
      ]);
      endpoints.push({ service: p.service, ip: got.status?.podIP ?? "", dependsOn: p.dependsOn });
    }
    const tried = await checkServicePaths(checks, endpoints, outsider, "platform on real pods");
    o.log(`platform on real pods: ${tried} connections checked`);
  } finally {
    await run(
      "kubectl",
      [
        "--context",
        cluster.context,
        "-n",
        ns,
        "delete",
        "pod",
        ...probes.map((p) => p.pod),
        "--wait=true",
        "--timeout=60s",
      ],
      { env: cluster.env, logFile: o.logFile },
    );
    await outsider?.remove();
  }
}
