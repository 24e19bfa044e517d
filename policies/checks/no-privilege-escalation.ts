// no-privilege-escalation: prevents a setuid binary or file capability inside the image from
// giving a compromised process more privileges than it started with (no_new_privs). Pod Security
// "restricted" requires allowPrivilegeEscalation: false explicitly on every container, init and
// ephemeral containers included; there is no pod-level field to inherit from.

import type { ResourceValidationPolicy } from "@pulumi/policy";
import { isUnknown } from "../lib/json";
import { forEachWorkload } from "../lib/policy";
import { configSchema } from "../lib/report";
import { containerSecurity } from "../lib/workload";

export const noPrivilegeEscalation: ResourceValidationPolicy = {
  name: "no-privilege-escalation",
  description: "Containers set securityContext.allowPrivilegeEscalation: false.",
  enforcementLevel: "mandatory",
  configSchema: configSchema(),
  validateResource: forEachWorkload("no-privilege-escalation", ({ w, target, r }) => {
    if (w.windows) return;
    for (const c of w.containers) {
      const v = containerSecurity(c, "allowPrivilegeEscalation");
      if (v === false || isUnknown(v)) continue;
      const why =
        v === true
          ? "securityContext.allowPrivilegeEscalation is true"
          : "securityContext.allowPrivilegeEscalation is not set (it defaults to true)";
      r.violation(
        target,
        `${why} (${c.path}.securityContext): setuid binaries can raise privileges. Fix: set allowPrivilegeEscalation: false on the container (there is no pod-level equivalent).`,
        { container: c },
      );
    }
  }),
};
