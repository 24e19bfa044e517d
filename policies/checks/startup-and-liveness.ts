// startup-and-liveness: prevents restart loops and cascading restarts (field notes 7). A
// livenessProbe without a startupProbe kills slow-starting pods (cache warm-up, a database still
// coming up) before they ever serve; a livenessProbe identical to the readinessProbe restarts every
// pod at once when a shared dependency (database, Redis) blips, turning a degradation into an
// outage. Liveness answers "is the process hung?", readiness "can it serve now?". Probes that
// differ only in timing (failureThreshold, periodSeconds, ...) are the same check (kube-score #339).

import type { ResourceValidationPolicy } from "@pulumi/policy";
import { isRec } from "../lib/json";
import { forEachWorkload } from "../lib/policy";
import { describeHandler, handlerKey } from "../lib/probes";
import { configSchema } from "../lib/report";
import { servingContainers } from "../lib/workload";

export const startupAndLiveness: ResourceValidationPolicy = {
  name: "startup-and-liveness",
  description:
    "A livenessProbe comes with a startupProbe and checks something other than the readinessProbe.",
  enforcementLevel: "mandatory",
  configSchema: configSchema(),
  validateResource: forEachWorkload("startup-and-liveness", ({ w, target, r }) => {
    if (!w.longRunning) return;
    for (const c of servingContainers(w)) {
      const liveness = c.spec.livenessProbe;
      if (!isRec(liveness)) continue;
      if (c.spec.startupProbe === undefined || c.spec.startupProbe === null) {
        r.violation(
          target,
          `has a livenessProbe (${describeHandler(c, liveness)}) but no startupProbe: a slow start (cache warm-up, database not up yet) gets the pod killed before it ever serves. Fix: add a startupProbe that absorbs the start (e.g. httpGet :2019/metrics, periodSeconds 5, failureThreshold 12).`,
          { container: c },
        );
      }
      const readiness = c.spec.readinessProbe;
      if (!isRec(readiness)) continue;
      const lk = handlerKey(c, liveness);
      if (lk !== undefined && lk === handlerKey(c, readiness)) {
        r.violation(
          target,
          `livenessProbe and readinessProbe run the same check (${describeHandler(c, liveness)}; different timings do not make them different): when a shared dependency blips, every pod is restarted at once. Fix: liveness asks only "is the process hung?" (e.g. httpGet :2019/metrics), readiness asks "can it serve now?".`,
          { container: c },
        );
      }
    }
  }),
};
