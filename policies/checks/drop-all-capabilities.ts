// drop-all-capabilities: prevents a compromised process from using the default Linux capabilities
// a container runtime grants (CHOWN, NET_RAW for ARP/ICMP spoofing, SETUID, ...). Pod Security
// "restricted": capabilities.drop must contain ALL (exactly, the admission check is case-sensitive)
// and capabilities.add may only contain NET_BIND_SERVICE. Init and ephemeral containers included.

import type { ResourceValidationPolicy } from "@pulumi/policy";
import { at, isUnknown, strs } from "../lib/json";
import { forEachWorkload } from "../lib/policy";
import { configSchema } from "../lib/report";

export const dropAllCapabilities: ResourceValidationPolicy = {
  name: "drop-all-capabilities",
  description: "Containers drop ALL capabilities and add back at most NET_BIND_SERVICE.",
  enforcementLevel: "mandatory",
  configSchema: configSchema(),
  validateResource: forEachWorkload("drop-all-capabilities", ({ w, target, r }) => {
    if (w.windows) return;
    for (const c of w.containers) {
      const caps = at(c.spec, "securityContext", "capabilities");
      const dropRaw = at(caps, "drop");
      const addRaw = at(caps, "add");
      if (isUnknown(caps) || isUnknown(dropRaw) || isUnknown(addRaw)) continue;
      const drop = strs(dropRaw);
      if (!drop.includes("ALL")) {
        const hint = drop.some((d) => d.toUpperCase() === "ALL")
          ? ` (found "${drop.find((d) => d.toUpperCase() === "ALL")}": Pod Security compares case-sensitively, write ALL)`
          : "";
        r.violation(
          target,
          `securityContext.capabilities.drop does not contain ALL${hint}: the runtime's default capabilities (NET_RAW, CHOWN, SETUID...) stay available. Fix: capabilities: {drop: [ALL]}.`,
          { container: c },
        );
      }
      const extra = strs(addRaw).filter((a) => a !== "NET_BIND_SERVICE");
      if (extra.length > 0) {
        r.violation(
          target,
          `securityContext.capabilities.add contains ${extra.join(", ")}: only NET_BIND_SERVICE may be added back. Fix: remove them (for port 80 prefer the safe sysctl net.ipv4.ip_unprivileged_port_start).`,
          { container: c },
        );
      }
    }
  }),
};
