// How the real-node steps test a network path: the host asks a client pod (the contract app) to
// make one request (`/_contract/reach?url=…`) and reports what the pod saw. The host itself may
// always reach its pods (that is how the kubelet's probes work), so a failure here is the client
// pod's own request failing: a NetworkPolicy, not the test harness.

import { type Cluster, kubectlJson } from "../lib/cluster";

/** GET from the host. */
export async function hostGet(
  url: string,
  timeoutMs = 8000,
): Promise<{ status: number; body: string; error?: string }> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    return { status: res.status, body: await res.text() };
  } catch (error) {
    return { status: 0, body: "", error: (error as Error).message };
  }
}

/** What the client pod sees when it GETs `url`. */
export interface Reach {
  /** The client pod answered (so a missing status is its own request failing, not ours). */
  answered: boolean;
  status?: number;
  error?: string;
}

export async function reachFrom(clientIp: string, url: string): Promise<Reach> {
  const r = await hostGet(`http://${clientIp}/_contract/reach?url=${encodeURIComponent(url)}`, 10_000);
  if (r.status !== 200)
    return { answered: false, error: `the client pod did not answer: ${r.status} ${r.error ?? r.body}` };
  return { answered: true, ...(JSON.parse(r.body) as { status?: number; error?: string }) };
}

/** The client pod answered, and its own request got no HTTP answer at all. */
export const blocked = (r: Reach): boolean => r.answered && !r.status && !!r.error;

/** The services a web pod's ConfigMap names as dependencies (`APP__<TARGET>__HOST`: `<target>.<ns>…`). */
export function declaredDependencies(data: Readonly<Record<string, string>>): string[] {
  return Object.entries(data)
    .filter(([k]) => /^APP__[A-Z0-9_]+__HOST$/.test(k))
    .map(([, v]) => v.split(".")[0] ?? "")
    .filter(Boolean);
}

/**
 * The ConfigMap a web pod takes its environment from (its first container's `envFrom`) and the
 * services it declares there as dependencies; undefined for a pod without one.
 */
export async function podDependencies(
  cluster: Cluster,
  namespace: string,
  podSpec: unknown,
): Promise<{ configMap: string; dependsOn: string[] } | undefined> {
  const containers = (podSpec as { containers?: { envFrom?: { configMapRef?: { name?: string } }[] }[] })
    ?.containers;
  const configMap = containers?.[0]?.envFrom?.find((e) => e.configMapRef)?.configMapRef?.name;
  if (!configMap) return undefined;
  const cm = await kubectlJson<{ data?: Record<string, string> }>(cluster, [
    "get",
    "configmap",
    "-n",
    namespace,
    configMap,
  ]);
  return { configMap, dependsOn: declaredDependencies(cm.data ?? {}) };
}
