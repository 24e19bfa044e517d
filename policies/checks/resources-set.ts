// resources-set: prevents noisy neighbours and OOM surprises. Without requests the scheduler packs
// pods blindly and the HPA cannot compute utilisation; without a memory limit one leaking PHP worker
// takes the node's memory and the kernel kills someone else's pod (field notes 3: an OOM/SIGKILL).
// A CPU limit is deliberately optional: CPU is compressible, and CFS throttling of bursty PHP
// requests hurts latency more than it protects neighbours (requests already guarantee shares).
// Kubernetes semantics apply: a request left unset defaults to the limit, and pod-level resources
// (spec.resources) cover every container.

import type { ResourceValidationPolicy } from "@pulumi/policy";
import { at, isRec } from "../lib/json";
import { forEachWorkload } from "../lib/policy";
import { configSchema } from "../lib/report";
import { declaredContainers } from "../lib/workload";

function has(resources: unknown, kind: "requests" | "limits", res: "cpu" | "memory"): boolean {
  const v = at(resources, kind, res);
  return v !== undefined && v !== null && v !== "";
}

export const resourcesSet: ResourceValidationPolicy = {
  name: "resources-set",
  description: "Containers request CPU and memory and limit memory.",
  enforcementLevel: "mandatory",
  configSchema: configSchema(),
  validateResource: forEachWorkload("resources-set", ({ w, target, r }) => {
    const pod = w.podSpec.resources;
    if (
      isRec(pod) &&
      has(pod, "limits", "memory") &&
      (has(pod, "requests", "cpu") || has(pod, "limits", "cpu"))
    ) {
      return; // pod-level resources (KEP-2837) bound every container together
    }
    for (const c of declaredContainers(w)) {
      const res = c.spec.resources;
      const missing: string[] = [];
      if (!has(res, "requests", "cpu") && !has(res, "limits", "cpu")) missing.push("requests.cpu");
      if (!has(res, "requests", "memory") && !has(res, "limits", "memory")) missing.push("requests.memory");
      if (!has(res, "limits", "memory")) missing.push("limits.memory");
      if (missing.length === 0) continue;
      r.violation(
        target,
        `resources.${missing.join(", resources.")} not set (${c.path}.resources): the scheduler and the HPA need requests, and a memory limit keeps one leak from taking the node. Fix: set requests.cpu, requests.memory and limits.memory (a CPU limit is optional).`,
        { container: c },
      );
    }
  }),
};
