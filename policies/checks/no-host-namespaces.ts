// no-host-namespaces: prevents a pod from sharing the node's network, process or IPC namespaces
// (sniffing other pods' traffic, signalling their processes, bypassing NetworkPolicies) and from
// binding host ports (which also pins pods to nodes and breaks rolling updates). Forbidden by Pod
// Security baseline and restricted.

import type { ResourceValidationPolicy } from "@pulumi/policy";
import { num, recs } from "../lib/json";
import { forEachWorkload } from "../lib/policy";
import { configSchema } from "../lib/report";

export const noHostNamespaces: ResourceValidationPolicy = {
  name: "no-host-namespaces",
  description: "Pods do not use hostNetwork, hostPID, hostIPC or hostPort.",
  enforcementLevel: "mandatory",
  configSchema: configSchema(),
  validateResource: forEachWorkload("no-host-namespaces", ({ w, target, r }) => {
    for (const field of ["hostNetwork", "hostPID", "hostIPC"] as const) {
      if (w.podSpec[field] === true) {
        r.violation(
          target,
          `${w.podSpecPath}.${field} is true: the pod shares the node's ${field.slice(4)} namespace. Fix: remove ${field}; expose traffic through a Service instead.`,
        );
      }
    }
    for (const c of w.containers) {
      for (const p of recs(c.spec.ports)) {
        const hostPort = num(p.hostPort);
        if (hostPort !== undefined && hostPort !== 0) {
          r.violation(
            target,
            `ports[].hostPort ${hostPort} binds the node's port (one pod per node, bypasses NetworkPolicies). Fix: remove hostPort and use a Service.`,
            { container: c },
          );
        }
      }
    }
  }),
};
