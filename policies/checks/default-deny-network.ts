// default-deny-network: prevents a compromised or misconfigured pod from reaching every other pod
// and the internet. Kubernetes allows all traffic until a NetworkPolicy selects a pod; a namespace
// with workloads needs a policy with an empty podSelector that isolates every pod for ingress and
// for egress, then explicit allow rules (DNS, the dependencies the runtime contract declares). The
// AKS cluster enforces them (aks-hardened requires a network policy engine). System namespaces
// (kube-system, ...) are ignored by default.

import type { StackValidationPolicy } from "@pulumi/policy";
import { arr, at, isRec, strs } from "../lib/json";
import { isEmptySelector } from "../lib/k8s";
import { forStack } from "../lib/policy";
import { configSchema } from "../lib/report";
import type { StackObject } from "../lib/stack";

const POLICY = "default-deny-network";

type Direction = "Ingress" | "Egress";

/** Which directions this NetworkPolicy isolates for every pod of its namespace. */
export function isolates(np: StackObject): Set<Direction> {
  const out = new Set<Direction>();
  const spec = np.props.spec;
  if (!isRec(spec) || !isEmptySelector(spec.podSelector)) return out;
  const types = strs(spec.policyTypes);
  const effective: Direction[] =
    types.length > 0
      ? types.filter((t): t is Direction => t === "Ingress" || t === "Egress")
      : spec.egress !== undefined
        ? ["Ingress", "Egress"]
        : ["Ingress"];
  for (const d of effective) {
    const rules = arr(spec[d === "Ingress" ? "ingress" : "egress"]);
    // A rule without peers and ports allows everything: that is not isolation.
    const allowAll = rules.some(
      (rule) =>
        isRec(rule) && at(rule, d === "Ingress" ? "from" : "to") === undefined && rule.ports === undefined,
    );
    if (!allowAll) out.add(d);
  }
  return out;
}

export const defaultDenyNetwork: StackValidationPolicy = {
  name: POLICY,
  description: "Every namespace with workloads has a default-deny NetworkPolicy for ingress and egress.",
  enforcementLevel: "mandatory",
  configSchema: configSchema({
    ignoreNamespaces: {
      type: "array",
      items: { type: "string" },
      default: ["kube-system", "kube-public", "kube-node-lease"],
      description: "Namespaces not checked.",
    },
  }),
  validateStack: forStack(POLICY, ({ index, r, cfg }) => {
    const ignored = new Set(
      cfg.ignoreNamespaces === undefined
        ? ["kube-system", "kube-public", "kube-node-lease"]
        : strs(cfg.ignoreNamespaces),
    );
    const firstWorkload = new Map<string, StackObject>();
    for (const { obj, w } of index.workloads) {
      const ns = w.namespace ?? "default";
      if (!ignored.has(ns) && !firstWorkload.has(ns)) firstWorkload.set(ns, obj);
    }
    const covered = new Map<string, Set<Direction>>();
    for (const np of index.ofKind("NetworkPolicy")) {
      const ns = np.target.namespace ?? "default";
      const set = covered.get(ns) ?? new Set<Direction>();
      for (const d of isolates(np)) set.add(d);
      covered.set(ns, set);
    }
    for (const [ns, workload] of firstWorkload) {
      const have = covered.get(ns) ?? new Set<Direction>();
      const missing = (["Ingress", "Egress"] as const).filter((d) => !have.has(d));
      if (missing.length === 0) continue;
      const target = index.namespaceObjects.get(ns)?.target ?? workload.target;
      r.violation(
        target,
        `namespace ${ns} runs workloads but no NetworkPolicy with an empty podSelector isolates its pods for ${missing.join(" and ")}: every pod can ${missing.includes("Ingress") ? "be reached by any pod in the cluster" : ""}${missing.length === 2 ? " and " : ""}${missing.includes("Egress") ? "reach anything" : ""}. Fix: add a NetworkPolicy {podSelector: {}, policyTypes: [Ingress, Egress]} in ${ns}, then allow DNS and each declared dependency explicitly.`,
      );
    }
  }),
};
