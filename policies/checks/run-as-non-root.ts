// run-as-non-root: prevents a container escape or a writable host mount from turning into root on
// the node. Pod Security "restricted" semantics: runAsNonRoot/runAsUser set at pod level are
// inherited by every container (init and ephemeral ones included), a container-level value
// overrides it, and runAsUser 0 fails whatever runAsNonRoot says. A non-zero runAsUser also passes
// (the kubelet then knows the UID is not root, as kube-score and Polaris accept).

import type { ResourceValidationPolicy } from "@pulumi/policy";
import { isUnknown } from "../lib/json";
import { forEachWorkload } from "../lib/policy";
import { configSchema } from "../lib/report";
import { effective } from "../lib/workload";

export const runAsNonRoot: ResourceValidationPolicy = {
  name: "run-as-non-root",
  description:
    "Containers run as a non-root user (runAsNonRoot: true or a non-zero runAsUser, pod or container level).",
  enforcementLevel: "mandatory",
  configSchema: configSchema(),
  validateResource: forEachWorkload("run-as-non-root", ({ w, target, r }) => {
    if (w.windows) return;
    for (const c of w.containers) {
      const user = effective(w, c, "runAsUser");
      const nonRoot = effective(w, c, "runAsNonRoot");
      if (isUnknown(user.value) || isUnknown(nonRoot.value)) continue;
      if (user.value === 0) {
        r.violation(
          target,
          `securityContext.runAsUser is 0 (set at ${user.from} level): the process is root. Fix: run as an unprivileged UID (e.g. runAsUser: 1000) and set runAsNonRoot: true in the pod securityContext.`,
          { container: c },
        );
        continue;
      }
      if (nonRoot.value === true) continue;
      if (typeof user.value === "number" && user.value > 0) continue;
      const why =
        nonRoot.value === false
          ? `securityContext.runAsNonRoot is false (set at ${nonRoot.from} level) and no non-zero runAsUser is set`
          : "neither runAsNonRoot: true nor a non-zero runAsUser is set at pod or container level, so the image's USER decides (often root)";
      r.violation(
        target,
        `${why}. Fix: set securityContext.runAsNonRoot: true (and a runAsUser) in the pod securityContext; a container-level value overrides it.`,
        { container: c },
      );
    }
  }),
};
