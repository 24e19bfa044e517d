// pdb-for-replicated: prevents a node drain (AKS upgrade, autoscaler scale-down) from evicting every
// replica of a service at once, and prevents the opposite failure: a PodDisruptionBudget that allows
// no disruption at all (maxUnavailable 0, minAvailable equal to the replica count) blocks drains and
// cluster upgrades forever (Polaris pdbDisruptionsIsZero). Pods selected by two PDBs cannot be
// evicted at all (the eviction API refuses). Applies to Deployments, StatefulSets and ReplicaSets
// that run more than one replica or are scaled by an HPA/KEDA ScaledObject; DaemonSet pods are not
// drained through PDBs. With an autoscaler, the budget is judged at its minReplicas. A policy/v1beta1
// budget (removed in 1.25, see removed-api) is read for what it meant: its empty selector selected
// no pod (policy/v1 made it select every pod of the namespace).

import type { StackValidationPolicy } from "@pulumi/policy";
import { at, isUnknown, strMap } from "../lib/json";
import { intOrPercent, isEmptySelector, kubeType, selectorMatches } from "../lib/k8s";
import { forStack } from "../lib/policy";
import { configSchema } from "../lib/report";
import { replicas, type StackObject } from "../lib/stack";

const POLICY = "pdb-for-replicated";

/** How many pods the PDB lets the eviction API take at `pods` replicas (0 = blocks drains). */
export function allowedDisruptions(pdb: StackObject, pods: number): number | undefined {
  const maxU = at(pdb.props, "spec", "maxUnavailable");
  const minA = at(pdb.props, "spec", "minAvailable");
  if (isUnknown(maxU) || isUnknown(minA)) return undefined;
  const mu = intOrPercent(maxU);
  if (mu) return mu.percent ? Math.ceil((mu.value * pods) / 100) : mu.value;
  const ma = intOrPercent(minA);
  if (ma) return pods - (ma.percent ? Math.ceil((ma.value * pods) / 100) : ma.value);
  return undefined;
}

export const pdbForReplicated: StackValidationPolicy = {
  name: POLICY,
  description:
    "Replicated workloads have exactly one PodDisruptionBudget, and it allows at least one disruption.",
  enforcementLevel: "mandatory",
  configSchema: configSchema(),
  validateStack: forStack(POLICY, ({ index, r }) => {
    // Candidate PDBs by `<namespace> <label>=<value>` of one matchLabels pair (a PDB can only select
    // pods that carry it), plus per namespace the PDBs without matchLabels: no workload x PDB scan.
    const byLabel = new Map<string, StackObject[]>();
    const add = (key: string, p: StackObject) => {
      const list = byLabel.get(key);
      if (list) list.push(p);
      else byLabel.set(key, [p]);
    };
    for (const p of index.ofKind("PodDisruptionBudget")) {
      if (kubeType(p.type)?.version === "v1beta1" && isEmptySelector(at(p.props, "spec", "selector")))
        continue;
      const ns = p.target.namespace ?? "default";
      const first = Object.entries(strMap(at(p.props, "spec", "selector", "matchLabels")))[0];
      add(first ? `${ns} ${first[0]}=${first[1]}` : `${ns} *`, p);
    }
    for (const sw of index.workloads) {
      if (sw.w.kind === "DaemonSet") continue;
      const rep = replicas(index, sw);
      if (!rep || rep.max === undefined || rep.max <= 1) continue;
      const scaled = !rep.why.startsWith("replicas:");
      const ns = sw.w.namespace ?? "default";
      const candidates = new Set(byLabel.get(`${ns} *`));
      for (const [k, v] of Object.entries(sw.w.podLabels))
        for (const p of byLabel.get(`${ns} ${k}=${v}`) ?? []) candidates.add(p);
      const pdbs = [...candidates].filter((p) =>
        selectorMatches(at(p.props, "spec", "selector"), sw.w.podLabels),
      );
      const labels = Object.entries(sw.w.podLabels)
        .map(([k, v]) => `${k}=${v}`)
        .join(", ");
      if (pdbs.length === 0) {
        r.violation(
          sw.obj.target,
          `runs more than one pod (${rep.why}) but no PodDisruptionBudget selects its pods (${labels || "no labels"}): a node drain may evict them all at once. Fix: add a PodDisruptionBudget with maxUnavailable: 1 selecting these labels.`,
        );
        continue;
      }
      if (pdbs.length > 1) {
        r.violation(
          sw.obj.target,
          `its pods are selected by ${pdbs.length} PodDisruptionBudgets (${pdbs.map((p) => p.target.name).join(", ")}): the eviction API refuses to evict pods covered by more than one, so drains hang. Fix: keep exactly one.`,
        );
        continue;
      }
      const pdb = pdbs[0];
      if (!pdb || rep.min === undefined) continue;
      const pods = Math.max(rep.min, 1);
      const allowed = allowedDisruptions(pdb, pods);
      if (allowed !== undefined && allowed < 1) {
        r.violation(
          pdb.target,
          `allows no voluntary disruption of ${sw.w.kind} ${sw.w.name} at ${pods} pod${pods > 1 ? "s" : ""}${scaled ? ` (the autoscaler's minimum, ${rep.why})` : ""}: node drains and cluster upgrades block forever. Fix: maxUnavailable: 1 (or minAvailable below the replica count).`,
        );
      }
    }
  }),
};
