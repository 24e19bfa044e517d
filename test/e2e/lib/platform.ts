import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { type Cluster, type KubeList, type KubeObject, kubectl, kubectlJson } from "./cluster";
import type { StateResource } from "./pulumi";
import { kubernetesObjects } from "./pulumi";
import type { Checks } from "./report";
import { ROOT } from "./toolchain";

// The e2e stack and what the cluster must look like after `pulumi up` of it.

export const PART_OF = "app.kubernetes.io/part-of=platform";
/** The kinds a destroyed stack must leave none of. */
export const LEFTOVER_KINDS = "all,cm,secret,netpol,job,cronjob,ns";

/** Objects labelled `selector` (default: the platform's) still in the cluster, as kind/name. */
export async function objectsLeft(cluster: Cluster, selector = PART_OF): Promise<string[]> {
  const r = await kubectl(cluster, ["get", LEFTOVER_KINDS, "-A", "-l", selector, "-o", "name"]);
  return r.stdout.split("\n").filter((line) => line.trim() !== "");
}

/** The migration Jobs (`<service>-migrate-*`) of `service` in `namespace`. */
export async function migrationJobs(
  cluster: Cluster,
  service: string,
  namespace = "platform",
): Promise<KubeObject[]> {
  const jobs = await kubectlJson<KubeList>(cluster, [
    "get",
    "jobs",
    "-n",
    namespace,
    "-l",
    `app.kubernetes.io/name=${service}`,
  ]);
  return jobs.items.filter((j) => j.metadata.name.startsWith(`${service}-migrate-`));
}

/** stacks/Pulumi.<stack>.yaml (default local) as the kwok cluster can run it: data in emptyDirs
 * (kwok has no storage provisioner), one replica of everything, and monitoring off: its
 * Prometheus stack is an upstream Helm chart, and this machine reaches no chart repository (the
 * rendered monitors, rules and dashboards are checked by the plan tests and promtool instead).
 * With `context`, pointed at that kube context; without, the stack's own cluster setting stays
 * (the local stack's: the current context). */
export function e2eStackFile(context: string | undefined, stack = "local"): string {
  const doc = parse(readFileSync(join(ROOT, "stacks", `Pulumi.${stack}.yaml`), "utf8")) as {
    config: Record<string, unknown>;
  };
  const config = { ...doc.config };
  if (context !== undefined) config["platform:cluster"] = { source: "context", context };
  const backing = (config["platform:backing"] ?? {}) as Record<string, unknown>;
  config["platform:backing"] = { ...backing, persistence: "ephemeral" };
  config["platform:replicaCap"] = 1;
  const monitoring = (config["platform:monitoring"] ?? {}) as Record<string, unknown>;
  config["platform:monitoring"] = { ...monitoring, enabled: false };
  return `# Written by test/e2e (the ${stack} stack on a kwok cluster); removed when the run ends.\n${stringify({ config })}`;
}

/** `v` as an object (an empty one when it is not), to read the untyped parts of API objects. */
export function rec(v: unknown): Record<string, unknown> {
  return v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

function num(v: unknown): number {
  return typeof v === "number" ? v : 0;
}

function conditions(o: KubeObject): { type: string; status: string }[] {
  const c = rec(o.status).conditions;
  return Array.isArray(c) ? (c as { type: string; status: string }[]) : [];
}

function hasCondition(o: KubeObject, type: string): boolean {
  return conditions(o).some((c) => c.type === type && c.status === "True");
}

const key = (namespace: string | undefined, name: string) => `${namespace ?? ""}/${name}`;

export interface ClusterView {
  deployments: KubeObject[];
  statefulSets: KubeObject[];
  daemonSets: KubeObject[];
  replicaSets: KubeObject[];
  jobs: KubeObject[];
  services: KubeObject[];
  networkPolicies: KubeObject[];
  pods: KubeObject[];
  namespaces: KubeObject[];
  events: KubeObject[];
}

export async function viewCluster(cluster: Cluster, namespaces: readonly string[]): Promise<ClusterView> {
  const inNs = (o: KubeObject) => namespaces.includes(o.metadata.namespace ?? "");
  const list = async (kind: string) =>
    (await kubectlJson<KubeList>(cluster, ["get", kind, "--all-namespaces"])).items.filter(inNs);
  const [deployments, statefulSets, daemonSets, replicaSets, jobs, services, networkPolicies, pods, events] =
    await Promise.all([
      list("deployments.apps"),
      list("statefulsets.apps"),
      list("daemonsets.apps"),
      list("replicasets.apps"),
      list("jobs.batch"),
      list("services"),
      list("networkpolicies.networking.k8s.io"),
      list("pods"),
      list("events"),
    ]);
  const allNs = (await kubectlJson<KubeList>(cluster, ["get", "namespaces"])).items;
  return {
    deployments,
    statefulSets,
    daemonSets,
    replicaSets,
    jobs,
    services,
    networkPolicies,
    pods,
    namespaces: allNs.filter((n) => namespaces.includes(n.metadata.name)),
    events,
  };
}

/** Namespaces of the stack's Kubernetes objects (from its state). */
export function stateNamespaces(state: readonly StateResource[]): string[] {
  const objects = kubernetesObjects(state);
  const names = new Set<string>();
  for (const o of objects) {
    if (o.type === "kubernetes:core/v1:Namespace") names.add(o.name);
    else if (o.namespace) names.add(o.namespace);
  }
  return [...names].sort();
}

/**
 * Every Deployment Available with all replicas ready, every StatefulSet and DaemonSet ready,
 * every Job complete; migration Jobs finished before their service's Deployments were created;
 * every Service and NetworkPolicy of the state present; Pod Security admission enforcing
 * `restricted` on the services' namespace and rejecting no pod.
 */
export function verifyPlatform(
  checks: Checks,
  state: readonly StateResource[],
  view: ClusterView,
  options: {
    servicesNamespace: string;
    engineOutput: string;
    label: string;
    /** The pods ran on a real node: Jobs completed because their containers exited 0. */
    realPods?: boolean;
  },
): void {
  const objects = kubernetesObjects(state);
  const ofType = (t: string) => objects.filter((o) => o.type === t);
  const index = (list: KubeObject[]) =>
    new Map(list.map((o) => [key(o.metadata.namespace, o.metadata.name), o]));
  const L = options.label;

  // Workloads.
  const deployments = index(view.deployments);
  const stateDeployments = ofType("kubernetes:apps/v1:Deployment");
  const notReady: string[] = [];
  for (const d of stateDeployments) {
    const o = deployments.get(key(d.namespace, d.name));
    const s = rec(o?.status);
    const want = num(rec(o?.spec).replicas);
    const ok =
      o !== undefined &&
      hasCondition(o, "Available") &&
      num(s.readyReplicas) === want &&
      num(s.availableReplicas) === want &&
      num(s.updatedReplicas) === want &&
      num(s.observedGeneration) >= num(o.metadata.generation);
    if (!ok)
      notReady.push(
        `${d.namespace}/${d.name}${o ? ` (ready ${num(s.readyReplicas)}/${want})` : " (missing)"}`,
      );
  }
  checks.that(
    stateDeployments.length > 0 && notReady.length === 0,
    `${L}: all ${stateDeployments.length} Deployments Available with every replica ready`,
    notReady.join(", ") || "the state has no Deployment",
  );
  const statefulSets = index(view.statefulSets);
  const stsNotReady = ofType("kubernetes:apps/v1:StatefulSet").filter((s) => {
    const o = statefulSets.get(key(s.namespace, s.name));
    return !o || num(rec(o.status).readyReplicas) !== num(rec(o.spec).replicas);
  });
  checks.that(
    stsNotReady.length === 0,
    `${L}: all ${ofType("kubernetes:apps/v1:StatefulSet").length} StatefulSets (backing services, Loki) ready`,
    stsNotReady.map((s) => `${s.namespace}/${s.name}`).join(", "),
  );
  const daemonSets = index(view.daemonSets);
  const dsNotReady = ofType("kubernetes:apps/v1:DaemonSet").filter((s) => {
    const o = daemonSets.get(key(s.namespace, s.name));
    const st = rec(o?.status);
    return (
      !o || num(st.desiredNumberScheduled) === 0 || num(st.numberReady) !== num(st.desiredNumberScheduled)
    );
  });
  checks.that(
    dsNotReady.length === 0,
    `${L}: all ${ofType("kubernetes:apps/v1:DaemonSet").length} DaemonSets (log shipper) ready on every node`,
    dsNotReady.map((s) => `${s.namespace}/${s.name}`).join(", "),
  );

  // Jobs, and migrations before rollouts.
  const jobs = index(view.jobs);
  const stateJobs = ofType("kubernetes:batch/v1:Job");
  const incomplete = stateJobs.filter((j) => {
    const o = jobs.get(key(j.namespace, j.name));
    return !o || !hasCondition(o, "Complete");
  });
  checks.that(
    stateJobs.length > 0 && incomplete.length === 0,
    `${L}: all ${stateJobs.length} Jobs complete (${options.realPods ? "their containers exited 0" : "kwok's pod-complete stage finishes Job pods"})`,
    incomplete.map((j) => `${j.namespace}/${j.name}`).join(", ") || "the state has no Job",
  );
  const migrations = stateJobs.filter((j) => /^.+-migrate-[0-9a-z]+$/.test(j.name));
  const order: string[] = [];
  let sameSecond = 0;
  let rolloutsChecked = 0;
  for (const m of migrations) {
    const service = m.name.replace(/-migrate-[0-9a-z]+$/, "");
    const job = jobs.get(key(m.namespace, m.name));
    const done = rec(job?.status).completionTime;
    if (typeof done !== "string") {
      order.push(`${m.name} has no completionTime`);
      continue;
    }
    const completed = Date.parse(done);
    const rollouts = view.deployments.filter(
      (d) =>
        d.metadata.namespace === m.namespace && d.metadata.labels?.["app.kubernetes.io/name"] === service,
    );
    if (rollouts.length === 0)
      order.push(`${m.name}: no Deployment labelled app.kubernetes.io/name=${service}`);
    for (const d of rollouts) {
      rolloutsChecked++;
      const created = Date.parse(d.metadata.creationTimestamp);
      const firstRs = view.replicaSets
        .filter(
          (rs) =>
            rs.metadata.namespace === d.metadata.namespace &&
            rs.metadata.ownerReferences?.some((r) => r.kind === "Deployment" && r.name === d.metadata.name),
        )
        .map((rs) => Date.parse(rs.metadata.creationTimestamp))
        .sort((a, b) => a - b)[0];
      if (created < completed || (firstRs !== undefined && firstRs < completed)) {
        order.push(
          `Deployment ${d.metadata.name} created ${d.metadata.creationTimestamp}, before ${m.name} completed (${done})`,
        );
      } else if (created === completed) {
        sameSecond++;
      }
    }
  }
  checks.that(
    migrations.length > 0 && order.length === 0,
    `${L}: ${migrations.length} migration Jobs (<service>-migrate-*) completed before the ${rolloutsChecked} Deployments of their services (and their first ReplicaSets) were created` +
      (sameSecond > 0 ? ` (${sameSecond} within the same second: timestamps have 1 s resolution)` : ""),
    order.join("; ") || "the state has no migration Job",
  );

  // Services and NetworkPolicies: every one the state has exists in the cluster.
  const present = (type: string, inCluster: KubeObject[], noun: string, plural: string) => {
    const found = index(inCluster);
    const inState = ofType(type);
    const missing = inState.filter((o) => !found.has(key(o.namespace, o.name)));
    checks.that(
      inState.length > 0 && missing.length === 0,
      `${L}: all ${inState.length} ${plural} present`,
      missing.map((o) => `${o.namespace}/${o.name}`).join(", ") || `the state has no ${noun}`,
    );
  };
  present("kubernetes:core/v1:Service", view.services, "Service", "Services");
  present(
    "kubernetes:networking.k8s.io/v1:NetworkPolicy",
    view.networkPolicies,
    "NetworkPolicy",
    "NetworkPolicies",
  );
  const undenied = view.namespaces
    .map((n) => n.metadata.name)
    .filter(
      (ns) =>
        !view.networkPolicies.some((np) => {
          const spec = rec(np.spec);
          const types = Array.isArray(spec.policyTypes) ? spec.policyTypes : [];
          return (
            np.metadata.namespace === ns &&
            Object.keys(rec(rec(spec.podSelector))).length === 0 &&
            types.includes("Ingress") &&
            types.includes("Egress")
          );
        }),
    );
  checks.that(
    undenied.length === 0,
    `${L}: every namespace (${view.namespaces.map((n) => n.metadata.name).join(", ")}) has a default-deny NetworkPolicy`,
    `no default deny in ${undenied.join(", ")}`,
  );

  // Pod Security admission.
  const servicesNs = view.namespaces.find((n) => n.metadata.name === options.servicesNamespace);
  checks.that(
    servicesNs?.metadata.labels?.["pod-security.kubernetes.io/enforce"] === "restricted",
    `${L}: namespace ${options.servicesNamespace} enforces Pod Security "restricted"`,
    `labels: ${JSON.stringify(servicesNs?.metadata.labels ?? {})}`,
  );
  const rejected = view.events.filter(
    (e) =>
      /FailedCreate/.test(String(rec(e).reason ?? "")) || /PodSecurity/.test(String(rec(e).message ?? "")),
  );
  checks.that(
    rejected.length === 0,
    `${L}: Pod Security admission rejected no pod (no FailedCreate or PodSecurity events)`,
    rejected
      .slice(0, 3)
      .map((e) => `${String(rec(e).reason)}: ${String(rec(e).message)}`)
      .join(" | "),
  );
  const warned = /would violate PodSecurity|violates PodSecurity/i.test(options.engineOutput);
  checks.that(
    !warned,
    `${L}: the API server sent no Pod Security warning to the provider`,
    "see the engine output",
  );
  const unhealthy = view.pods.filter((p) => !["Running", "Succeeded"].includes(String(rec(p.status).phase)));
  checks.that(
    view.pods.length > 0 && unhealthy.length === 0,
    `${L}: all ${view.pods.length} pods Running (or Succeeded, for Job pods)`,
    unhealthy
      .map((p) => `${p.metadata.namespace}/${p.metadata.name} ${String(rec(p.status).phase)}`)
      .join(", ") || "no pods",
  );
}
