// no-privileged: prevents a container from being root on the node in all but name. A privileged
// container sees every device, can load kernel modules and mount the host filesystem: one RCE in
// the app becomes the cluster. Forbidden by Pod Security baseline and restricted; init and
// ephemeral containers included.

import type { ResourceValidationPolicy } from "@pulumi/policy";
import { forEachWorkload } from "../lib/policy";
import { configSchema } from "../lib/report";
import { containerSecurity } from "../lib/workload";

export const noPrivileged: ResourceValidationPolicy = {
  name: "no-privileged",
  description: "No container runs privileged.",
  enforcementLevel: "mandatory",
  configSchema: configSchema(),
  validateResource: forEachWorkload("no-privileged", ({ w, target, r }) => {
    for (const c of w.containers) {
      if (containerSecurity(c, "privileged") === true) {
        r.violation(
          target,
          "securityContext.privileged is true: the container has every device and capability of the node. Fix: remove it; grant only what the process needs.",
          { container: c },
        );
      }
    }
  }),
};
