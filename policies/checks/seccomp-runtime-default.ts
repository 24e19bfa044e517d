// seccomp-runtime-default: prevents a compromised process from calling the ~300 syscalls a web
// service never needs (the kernel attack surface of container escapes). Pod Security "restricted":
// seccompProfile.type RuntimeDefault or Localhost, set at pod level (inherited) or per container; a
// container-level Unconfined overrides a pod-level RuntimeDefault and fails.

import type { ResourceValidationPolicy } from "@pulumi/policy";
import { at, isUnknown } from "../lib/json";
import { forEachWorkload } from "../lib/policy";
import { configSchema } from "../lib/report";
import { effective } from "../lib/workload";

const ALLOWED = new Set(["RuntimeDefault", "Localhost"]);

export const seccompRuntimeDefault: ResourceValidationPolicy = {
  name: "seccomp-runtime-default",
  description: "Pods or containers use the RuntimeDefault (or a Localhost) seccomp profile.",
  enforcementLevel: "mandatory",
  configSchema: configSchema(),
  validateResource: forEachWorkload("seccomp-runtime-default", ({ w, target, r }) => {
    if (w.windows) return;
    for (const c of w.containers) {
      const profile = effective(w, c, "seccompProfile");
      const type = at(profile.value, "type");
      if (isUnknown(profile.value) || isUnknown(type)) continue;
      if (typeof type === "string" && ALLOWED.has(type)) continue;
      const why =
        profile.from === "unset"
          ? "no seccompProfile is set at pod or container level (the runtime may run it Unconfined)"
          : `seccompProfile.type is ${String(type)} (set at ${profile.from} level)`;
      r.violation(
        target,
        `${why}. Fix: set securityContext.seccompProfile: {type: RuntimeDefault} in the pod securityContext.`,
        { container: c },
      );
    }
  }),
};
