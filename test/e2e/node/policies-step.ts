import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Cluster, type KubeList, kubectl, kubectlJson } from "../lib/cluster";
import { run } from "../lib/proc";
import type { Checks } from "../lib/report";
import { restrictedPod } from "./feasibility";
import type { RealNode } from "./index";

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

interface Reach {
  answered: boolean;
  status?: number;
  error?: string;
}

async function reachFrom(ip: string, url: string): Promise<Reach> {
  try {
    const res = await fetch(`http://${ip}/_contract/reach?url=${encodeURIComponent(url)}`, {
      signal: AbortSignal.timeout(10_000),
    });
    if (res.status !== 200) return { answered: false, error: `HTTP ${res.status}` };
    return { answered: true, ...((await res.json()) as { status?: number; error?: string }) };
  } catch (error) {
    return { answered: false, error: (error as Error).message };
  }
}

const blocked = (r: Reach) => r.answered && !r.status && !!r.error;

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
      spec?: { containers?: { envFrom?: { configMapRef?: { name?: string } }[] }[] };
    };
    const configMap = template.spec?.containers?.[0]?.envFrom?.find((e) => e.configMapRef)?.configMapRef
      ?.name;
    if (!service || !configMap) continue;
    const cm = await kubectlJson<{ data?: Record<string, string> }>(cluster, [
      "get",
      "configmap",
      "-n",
      ns,
      configMap,
    ]);
    const dependsOn = Object.entries(cm.data ?? {})
      .filter(([k]) => /^APP__[A-Z0-9_]+__HOST$/.test(k))
      .map(([, v]) => v.split(".")[0] ?? "")
      .filter(Boolean);
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
  const outsider = restrictedPod("outsider", image, OUTSIDE);
  const file = join(o.dir, "policies-probes.json");
  writeFileSync(
    file,
    JSON.stringify({
      apiVersion: "v1",
      kind: "List",
      items: [
        { apiVersion: "v1", kind: "Namespace", metadata: { name: OUTSIDE } },
        outsider,
        {
          apiVersion: "v1",
          kind: "Service",
          metadata: { name: "outsider", namespace: OUTSIDE },
          spec: { selector: { app: "outsider" }, ports: [{ port: 80, targetPort: 80 }] },
        },
        ...pods,
      ],
    }),
  );
  const started = Date.now();
  await kubectl(cluster, ["apply", "-f", file], { logFile: o.logFile });
  try {
    const waited = await run(
      "kubectl",
      [
        "--context",
        cluster.context,
        "-n",
        ns,
        "wait",
        "--for=condition=Ready",
        ...probes.map((p) => `pod/${p.pod}`),
        "--timeout=240s",
      ],
      { env: cluster.env, logFile: o.logFile },
    );
    const outsiderReady = await run(
      "kubectl",
      [
        "--context",
        cluster.context,
        "-n",
        OUTSIDE,
        "wait",
        "--for=condition=Ready",
        "pod/outsider",
        "--timeout=60s",
      ],
      { env: cluster.env, logFile: o.logFile },
    );
    const readyIn = Math.round((Date.now() - started) / 1000);
    checks.that(
      waited.code === 0 && outsiderReady.code === 0,
      `platform on real pods: one pod per service (${probes.length}) with its web pods' labels and ConfigMap Ready on ${node.name} in ${readyIn} s`,
      `${waited.stderr} ${outsiderReady.stderr}`,
    );
    if (waited.code !== 0 || outsiderReady.code !== 0) return;
    const ipOf = async (namespace: string, pod: string) => {
      const got = await kubectlJson<{ status?: { podIP?: string } }>(cluster, [
        "get",
        "pod",
        "-n",
        namespace,
        pod,
      ]);
      return got.status?.podIP ?? "";
    };
    for (const p of probes) p.ip = await ipOf(ns, p.pod);
    const outsiderIp = await ipOf(OUTSIDE, "outsider");
    const ipOfService = new Map(probes.map((p) => [p.service, p.ip ?? ""]));

    const pairs = probes.flatMap((from) =>
      probes
        .filter((to) => to.service !== from.service)
        .map((to) => ({ from, to, declared: from.dependsOn.includes(to.service) })),
    );
    const results = await Promise.all(
      pairs.map(async (pair) => ({
        ...pair,
        r: await reachFrom(
          pair.from.ip ?? "",
          `http://${ipOfService.get(pair.to.service)}:80/_contract/ping`,
        ),
      })),
    );
    const declared = results.filter((x) => x.declared);
    const undeclared = results.filter((x) => !x.declared);
    const show = (xs: typeof results) =>
      xs.map((x) => `${x.from.service} -> ${x.to.service}: ${x.r.status ?? x.r.error}`).join("; ");
    const missedDeclared = declared.filter((x) => x.r.status !== 200);
    checks.that(
      declared.length > 0 && missedDeclared.length === 0,
      `platform on real pods: every declared dependency answers through the platform's NetworkPolicies (${declared.length} service -> dependency pairs)`,
      show(missedDeclared),
    );
    const leaked = undeclared.filter((x) => !blocked(x.r));
    checks.that(
      undeclared.length > 0 && leaked.length === 0,
      `platform on real pods: every undeclared service -> service connection is refused (${undeclared.length} pairs)`,
      show(leaked),
    );
    const inbound = await Promise.all(
      probes.map(async (p) => ({ p, r: await reachFrom(outsiderIp, `http://${p.ip}:80/_contract/ping`) })),
    );
    const inOpen = inbound.filter((x) => !blocked(x.r));
    checks.that(
      inOpen.length === 0,
      `platform on real pods: a pod outside the platform reaches none of the ${probes.length} services (ingress enforced)`,
      inOpen.map((x) => `${x.p.service}: ${x.r.status ?? x.r.error}`).join("; "),
    );
    const outbound = await Promise.all(
      probes.map(async (p) => ({
        p,
        r: await reachFrom(p.ip ?? "", `http://outsider.${OUTSIDE}.svc.cluster.local/_contract/ping`),
      })),
    );
    // Blocked at the connection, not at the name: DNS is allowed, nothing else.
    const outOpen = outbound.filter((x) => !blocked(x.r) || /lookup|no such host/.test(x.r.error ?? ""));
    checks.that(
      outOpen.length === 0,
      `platform on real pods: no service reaches a pod outside the platform (egress enforced), though its name resolves (DNS allowed)`,
      outOpen.map((x) => `${x.p.service}: ${x.r.status ?? x.r.error}`).join("; "),
    );
    o.log(`platform on real pods: ${results.length + inbound.length + outbound.length} connections checked`);
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
    await run("kubectl", ["--context", cluster.context, "delete", "namespace", OUTSIDE, "--wait=false"], {
      env: cluster.env,
      logFile: o.logFile,
    });
  }
}
