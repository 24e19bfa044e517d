// readonly-root-fs (advisory): prevents an attacker from dropping tools into the image filesystem
// and keeps state out of the container layer, where it dies with the pod (field notes 1 and 3:
// files and logs written inside the container are lost). Writable paths the app really needs
// (var/cache, /tmp) become emptyDir volumes. Advisory because some third-party images still write
// to their root filesystem; our own components set it.

import type { ResourceValidationPolicy } from "@pulumi/policy";
import { isUnknown } from "../lib/json";
import { forEachWorkload } from "../lib/policy";
import { configSchema } from "../lib/report";
import { containerSecurity, declaredContainers } from "../lib/workload";

export const readonlyRootFs: ResourceValidationPolicy = {
  name: "readonly-root-fs",
  description: "Containers run with a read-only root filesystem.",
  enforcementLevel: "advisory",
  configSchema: configSchema(),
  validateResource: forEachWorkload("readonly-root-fs", ({ w, target, r }) => {
    for (const c of declaredContainers(w)) {
      const v = containerSecurity(c, "readOnlyRootFilesystem");
      if (v === true || isUnknown(v)) continue;
      r.violation(
        target,
        `securityContext.readOnlyRootFilesystem is ${v === false ? "false" : "not set"}: anything written lands in the container layer and dies with the pod. Fix: set readOnlyRootFilesystem: true and mount emptyDir volumes for var/cache and /tmp.`,
        { container: c },
      );
    }
  }),
};
