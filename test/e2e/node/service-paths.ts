import { applyObjects, type Cluster, kubectlJson, kubectlWait } from "../lib/cluster";
import { run } from "../lib/proc";
import type { Checks } from "../lib/report";
import { restrictedPod } from "./feasibility";
import { blocked, type Reach, reachFrom } from "./reach";

// The network paths the platform's NetworkPolicies must allow and refuse, checked on real traffic
// between services that each run the contract app: every declared dependency answers, every
// undeclared service refuses, a pod outside the platform reaches none of them (ingress), and none
// of them reaches it (egress), though its name resolves (DNS is allowed, nothing else).

/** One service's web pod: where it listens, and the services its ConfigMap declares. */
export interface ServiceEndpoint {
  service: string;
  ip: string;
  dependsOn: string[];
}

/** A contract-app pod in a namespace of its own, outside the platform, with a Service. */
export interface Outsider {
  ip: string;
  /** Its Service's cluster DNS name. */
  host: string;
  remove(): Promise<void>;
}

export async function startOutsider(
  cluster: Cluster,
  image: string,
  o: { namespace: string; dir: string; logFile: string },
): Promise<Outsider> {
  const remove = async () => {
    await run("kubectl", ["--context", cluster.context, "delete", "namespace", o.namespace, "--wait=false"], {
      env: cluster.env,
      logFile: o.logFile,
    });
  };
  await applyObjects(
    cluster,
    [
      { apiVersion: "v1", kind: "Namespace", metadata: { name: o.namespace } },
      restrictedPod("outsider", image, o.namespace),
      {
        apiVersion: "v1",
        kind: "Service",
        metadata: { name: "outsider", namespace: o.namespace },
        spec: { selector: { app: "outsider" }, ports: [{ port: 80, targetPort: 80 }] },
      },
    ],
    { dir: o.dir, name: `outsider-${o.namespace}`, logFile: o.logFile },
  );
  const ready = await kubectlWait(cluster, o.namespace, ["pod/outsider"], {
    seconds: 120,
    logFile: o.logFile,
  });
  if (ready.code !== 0) {
    await remove();
    throw new Error(`the outsider pod in ${o.namespace} did not become Ready: ${ready.stderr.trim()}`);
  }
  const pod = await kubectlJson<{ status?: { podIP?: string } }>(cluster, [
    "get",
    "pod",
    "-n",
    o.namespace,
    "outsider",
  ]);
  return {
    ip: pod.status?.podIP ?? "",
    host: `outsider.${o.namespace}.svc.cluster.local`,
    remove,
  };
}

/** The four checks of the header, labelled `label`; the number of connections tried. */
export async function checkServicePaths(
  checks: Checks,
  endpoints: readonly ServiceEndpoint[],
  outsider: Pick<Outsider, "ip" | "host">,
  label: string,
): Promise<number> {
  const ipOf = new Map(endpoints.map((e) => [e.service, e.ip]));
  const pairs = endpoints.flatMap((from) =>
    endpoints
      .filter((to) => to.service !== from.service)
      .map((to) => ({ from: from.service, to: to.service, declared: from.dependsOn.includes(to.service) })),
  );
  const results = await Promise.all(
    pairs.map(async (p) => ({
      ...p,
      r: await reachFrom(ipOf.get(p.from) ?? "", `http://${ipOf.get(p.to)}:80/_contract/ping`),
    })),
  );
  const show = (xs: { from: string; to: string; r: Reach }[]) =>
    xs.map((x) => `${x.from} -> ${x.to}: ${x.r.status ?? x.r.error}`).join("; ");
  const declared = results.filter((x) => x.declared);
  const missed = declared.filter((x) => x.r.status !== 200);
  checks.that(
    declared.length > 0 && missed.length === 0,
    `${label}: every declared dependency answers through the platform's NetworkPolicies (${declared.length} service -> dependency pairs)`,
    show(missed),
  );
  const undeclared = results.filter((x) => !x.declared);
  const leaked = undeclared.filter((x) => !blocked(x.r));
  checks.that(
    undeclared.length > 0 && leaked.length === 0,
    `${label}: every undeclared service -> service connection is refused (${undeclared.length} pairs)`,
    show(leaked),
  );
  const inbound = await Promise.all(
    endpoints.map(async (e) => ({
      from: "outsider",
      to: e.service,
      r: await reachFrom(outsider.ip, `http://${e.ip}:80/_contract/ping`),
    })),
  );
  const inOpen = inbound.filter((x) => !blocked(x.r));
  checks.that(
    inOpen.length === 0,
    `${label}: a pod outside the platform reaches none of the ${endpoints.length} services (ingress enforced)`,
    show(inOpen),
  );
  const outbound = await Promise.all(
    endpoints.map(async (e) => ({
      from: e.service,
      to: "outsider",
      r: await reachFrom(e.ip, `http://${outsider.host}/_contract/ping`),
    })),
  );
  // Blocked at the connection, not at the name: DNS is allowed, nothing else.
  const outOpen = outbound.filter((x) => !blocked(x.r) || /lookup|no such host/.test(x.r.error ?? ""));
  checks.that(
    outOpen.length === 0,
    `${label}: no service reaches a pod outside the platform (egress enforced), though its name resolves (DNS allowed)`,
    show(outOpen),
  );
  return results.length + inbound.length + outbound.length;
}
