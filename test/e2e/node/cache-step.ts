import { CACHED_ROUTES_ANNOTATION } from "../../../components/http-cache/http-cache";
import {
  CACHE_HTTP_PORT,
  HTTP_CACHE_NAME,
  HTTP_CACHE_PURGE_SERVICE,
} from "../../../components/http-cache/ports";
import {
  applyObjects,
  type Cluster,
  type KubeList,
  type KubeObject,
  kubectlJson,
  kubectlWait,
} from "../lib/cluster";
import { E2EError, run } from "../lib/proc";
import type { Checks } from "../lib/report";
import { restrictedPod } from "./feasibility";
import { REAL_NODE_TAINT, type RealNode } from "./index";

// The platform's HTTP cache tier on real pods (docs/http-cache.md): the objects `pulumi up` created
// for it (the generated VCL, the Varnish pod template, its two Services, every NetworkPolicy of the
// namespace) copied into a namespace of their own on the real node, with the Varnish image built
// here from Debian packages and, behind the first cached route, a pod with that service's labels
// and ConfigMap running the contract app. The copy keeps the stack's own pods (on kwok's nodes,
// with fake addresses) out of the Services the cache resolves. Requests come from the node, which
// may reach every pod (that is how probes work), as the gateway would.
// Checks: a cacheable route answered twice is a hit the second time (X-Cache, Age, the same page);
// a purge by tag from a pod outside the platform's services is refused by the NetworkPolicy and
// leaves the page cached; the same purge from the owning service's pod empties it.

const NS = "e2e-cache";
const OUTSIDE = "e2e-cache-outsider";
/** Labels of the stack's objects that the copies must not carry (the destroy check looks for them). */
const OWNERSHIP = ["app.kubernetes.io/part-of", "app.kubernetes.io/managed-by"];

interface CachedRouteAnnotation {
  service: string;
  pathPrefix: string;
}

interface PodTemplate {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: {
    containers?: {
      image?: string;
      envFrom?: { configMapRef?: { name?: string } }[];
    }[];
    volumes?: { name: string; configMap?: { name?: string } }[];
    [key: string]: unknown;
  };
}

const withoutOwnership = (labels: Record<string, string> = {}) =>
  Object.fromEntries(Object.entries(labels).filter(([k]) => !OWNERSHIP.includes(k)));

/** An object of the stack as a fresh object of namespace NS (no server-set fields, no ownership). */
function copyOf(o: KubeObject, rewrite: (text: string) => string): Record<string, unknown> {
  const { metadata, status: _status, ...rest } = JSON.parse(rewrite(JSON.stringify(o))) as KubeObject;
  return {
    ...rest,
    metadata: {
      name: metadata.name,
      namespace: NS,
      labels: withoutOwnership(metadata.labels),
      ...(metadata.annotations ? { annotations: metadata.annotations } : {}),
    },
  };
}

/** A Service without the addresses the API server gave the original. */
function serviceCopy(o: KubeObject, rewrite: (text: string) => string): Record<string, unknown> {
  const copy = copyOf(o, rewrite) as { spec: Record<string, unknown> };
  const { clusterIP, clusterIPs, ...spec } = copy.spec;
  return { ...copy, spec: clusterIP === "None" ? { ...spec, clusterIP } : spec };
}

const [taintKey = "", taintValue = ""] = REAL_NODE_TAINT.split(":")[0]?.split("=") ?? [];

interface HostAnswer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
  error?: string;
}

async function hostRequest(url: string, method = "GET"): Promise<HostAnswer> {
  try {
    const res = await fetch(url, { method, signal: AbortSignal.timeout(15_000) });
    const text = await res.text();
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      body = { text };
    }
    return { status: res.status, headers: res.headers, body };
  } catch (error) {
    return { status: 0, headers: new Headers(), body: {}, error: (error as Error).message };
  }
}

const describe = (a: HostAnswer) =>
  a.error
    ? a.error
    : `HTTP ${a.status}, X-Cache ${a.headers.get("x-cache")}, Age ${a.headers.get("age")}, page ${String(a.body.page)}`;

export async function httpCacheOnRealPods(
  cluster: Cluster,
  node: RealNode,
  images: { app: string; varnish: string },
  checks: Checks,
  o: { namespace: string; dir: string; logFile: string; log: (m: string) => void },
): Promise<void> {
  const from = o.namespace;
  const rewrite = (text: string) =>
    text
      .replaceAll(`.${from}.svc.cluster.local`, `.${NS}.svc.cluster.local`)
      .replaceAll(`"kubernetes.io/metadata.name":"${from}"`, `"kubernetes.io/metadata.name":"${NS}"`);
  const get = <T = KubeObject>(args: string[]) => kubectlJson<T>(cluster, ["-n", from, "get", ...args]);
  const cacheSelector = `app.kubernetes.io/name=${HTTP_CACHE_NAME},app.kubernetes.io/component=http-cache`;

  const cacheDeployment = await get(["deployment", HTTP_CACHE_NAME]);
  const template = (cacheDeployment.spec?.template ?? {}) as PodTemplate;
  const vclName = template.spec?.volumes?.find((v) => v.configMap)?.configMap?.name;
  if (!vclName) throw new E2EError(`deployment ${HTTP_CACHE_NAME} mounts no VCL ConfigMap`);
  const vcl = await get(["configmap", vclName]);
  const routes = JSON.parse(
    vcl.metadata.annotations?.[CACHED_ROUTES_ANNOTATION] ?? "[]",
  ) as CachedRouteAnnotation[];
  const route = routes[0];
  if (!route) throw new E2EError(`the VCL ConfigMap ${vclName} lists no cached route`);
  const owner = route.service;
  const web = (
    await get<KubeList>([
      "deployments",
      "-l",
      `app.kubernetes.io/name=${owner},app.kubernetes.io/component=web`,
    ])
  ).items[0];
  const webTemplate = (web?.spec?.template ?? {}) as PodTemplate;
  const ownerConfigMap = webTemplate.spec?.containers?.[0]?.envFrom?.find((e) => e.configMapRef)?.configMapRef
    ?.name;
  if (!web || !ownerConfigMap) throw new E2EError(`no web Deployment with a ConfigMap for service ${owner}`);
  const [services, policies, namespace, ownerCm] = await Promise.all([
    get<KubeList>(["services", "-l", cacheSelector]),
    get<KubeList>(["networkpolicies"]),
    kubectlJson<KubeObject>(cluster, ["get", "namespace", from]),
    get<KubeObject & { data?: Record<string, string> }>(["configmap", ownerConfigMap]),
  ]);
  // Every backend the VCL names must resolve, or varnishd refuses the VCL.
  const backends = await Promise.all(
    [...new Set(routes.map((r) => r.service))].map((service) => get(["service", service])),
  );

  const placement = {
    nodeSelector: { "platform.internal/real-node": "true" },
    tolerations: [{ key: taintKey, value: taintValue, operator: "Equal", effect: "NoSchedule" }],
  };
  const cachePod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: "http-cache-real",
      namespace: NS,
      labels: withoutOwnership(template.metadata?.labels),
      annotations: template.metadata?.annotations ?? {},
    },
    spec: {
      ...template.spec,
      ...placement,
      containers: (template.spec?.containers ?? []).map((c) => ({ ...c, image: images.varnish })),
    },
  };
  const ownerPod = restrictedPod(`${owner}-real`, images.app, NS) as {
    metadata: { labels: Record<string, string> };
    spec: { containers: Record<string, unknown>[] };
  };
  ownerPod.metadata.labels = withoutOwnership(webTemplate.metadata?.labels);
  const app = ownerPod.spec.containers[0];
  if (app) {
    app.envFrom = [{ configMapRef: { name: ownerConfigMap } }];
    app.env = [];
  }
  const outsider = restrictedPod("outsider", images.app, OUTSIDE) as {
    spec: { containers: { env: { name: string; value: string }[] }[] };
  };
  // What the owner's ConfigMap gives it, given to a pod that is not one of the platform's services.
  const purgeEnv = Object.entries(ownerCm.data ?? {})
    .filter(([k]) => k.startsWith("APP__HTTP_CACHE__"))
    .map(([name, value]) => ({ name, value: rewrite(value) }));
  if (purgeEnv.length === 0)
    throw new E2EError(`the ConfigMap of ${owner} has no APP__HTTP_CACHE__* variable`);
  outsider.spec.containers[0]?.env.push(...purgeEnv);

  const nsLabels = withoutOwnership(namespace.metadata.labels);
  delete nsLabels["kubernetes.io/metadata.name"];
  const started = Date.now();
  await applyObjects(
    cluster,
    [
      { apiVersion: "v1", kind: "Namespace", metadata: { name: NS, labels: nsLabels } },
      { apiVersion: "v1", kind: "Namespace", metadata: { name: OUTSIDE } },
      copyOf(vcl, rewrite),
      copyOf(ownerCm, rewrite),
      ...services.items.map((s) => serviceCopy(s, rewrite)),
      ...backends.map((s) => serviceCopy(s, rewrite)),
      ...policies.items.map((p) => copyOf(p, rewrite)),
      cachePod,
      ownerPod,
      outsider,
    ],
    { dir: o.dir, name: "http-cache-real", logFile: o.logFile },
  );
  try {
    const wait = (ns: string, pods: string[]) =>
      kubectlWait(
        cluster,
        ns,
        pods.map((p) => `pod/${p}`),
        { seconds: 180, logFile: o.logFile },
      );
    const [w1, w2] = await Promise.all([
      wait(NS, ["http-cache-real", `${owner}-real`]),
      wait(OUTSIDE, ["outsider"]),
    ]);
    const ipOf = async (ns: string, pod: string) =>
      (await kubectlJson<{ status?: { podIP?: string } }>(cluster, ["-n", ns, "get", "pod", pod])).status
        ?.podIP ?? "";
    if (
      !checks.that(
        w1.code === 0 && w2.code === 0,
        `http cache on real pods: the stack's Varnish pod template (VCL generated for ${routes.length} cached routes, image ${images.varnish} built from Debian packages) Ready on ${node.name} in front of ${owner} (contract app) in ${Math.round((Date.now() - started) / 1000)} s`,
        `${w1.stderr} ${w2.stderr}`,
      )
    )
      return;
    const [cacheIp, ownerIp, outsiderIp] = await Promise.all([
      ipOf(NS, "http-cache-real"),
      ipOf(NS, `${owner}-real`),
      ipOf(OUTSIDE, "outsider"),
    ]);
    const tag = `e2e-${Date.now().toString(36)}`;
    const page = `http://${cacheIp}:${CACHE_HTTP_PORT}${route.pathPrefix.replace(/\/$/, "")}/_contract/cached?tags=${tag}`;
    // Varnish probes its backend before it routes to it: wait until the route answers.
    let first = await hostRequest(page);
    for (let i = 0; i < 30 && first.status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 1000));
      first = await hostRequest(page);
    }
    const second = await hostRequest(page);
    checks.that(
      first.status === 200 &&
        first.headers.get("x-cache") === "MISS" &&
        second.status === 200 &&
        second.headers.get("x-cache") === "HIT" &&
        second.headers.get("age") !== null &&
        second.body.page === first.body.page &&
        first.headers.get("x-cache-tags") === null,
      `http cache on real pods: ${route.pathPrefix} answered twice through Varnish is a hit the second time (MISS, then HIT with Age ${second.headers.get("age")} and the same page ${String(first.body.page)}; the X-Cache-Tags header stays inside the cache)`,
      `first: ${describe(first)}; second: ${describe(second)}`,
    );

    const refused = await hostRequest(`http://${outsiderIp}/_contract/purge?tags=${tag}`, "POST");
    const pods = (refused.body.pods ?? []) as { address: string; status?: number; error?: string }[];
    const afterRefused = await hostRequest(page);
    checks.that(
      refused.status === 502 &&
        pods.length > 0 &&
        pods.every((p) => !p.status && p.error) &&
        afterRefused.headers.get("x-cache") === "HIT" &&
        afterRefused.body.page === first.body.page,
      `http cache on real pods: a purge of tag ${tag} from a pod that is not a platform service (namespace ${OUTSIDE}) is refused by the cache's NetworkPolicy (${pods.map((p) => `${p.address}: ${p.error}`).join("; ")}) and the page stays cached`,
      `purge: ${refused.error ?? `HTTP ${refused.status} ${JSON.stringify(refused.body)}`}; then ${describe(afterRefused)}`,
    );

    const purged = await hostRequest(`http://${ownerIp}/_contract/purge?tags=${tag}`, "POST");
    const afterPurge = await hostRequest(page);
    checks.that(
      purged.status === 200 &&
        afterPurge.status === 200 &&
        afterPurge.headers.get("x-cache") === "MISS" &&
        afterPurge.body.page !== first.body.page,
      `http cache on real pods: a purge of tag ${tag} by ${owner}'s pod (BAN with X-Cache-Tags to every address of ${HTTP_CACHE_PURGE_SERVICE}) empties it: the next request is a miss served by a new page (${String(afterPurge.body.page)})`,
      `purge: ${purged.error ?? `HTTP ${purged.status} ${JSON.stringify(purged.body)}`}; then ${describe(afterPurge)}`,
    );
  } finally {
    await run(
      "kubectl",
      ["--context", cluster.context, "delete", "namespace", NS, OUTSIDE, "--wait=true", "--timeout=120s"],
      { env: cluster.env, logFile: o.logFile },
    );
  }
}
