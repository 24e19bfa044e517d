// rollback-ready: prevents the rollback that cannot happen and the rollout that never ends. "Revert
// first" needs the previous ReplicaSet: `revisionHistoryLimit: 0` deletes it, so `kubectl rollout
// undo` has nothing to return to. Without `progressDeadlineSeconds`, nothing says how long a
// stuck rollout (a crash-looping image, a readiness that never passes) may take before the
// Deployment reports ProgressDeadlineExceeded, which is what `pulumi up`, the post-deploy check
// and automatic rollback wait for. Applies to Deployments; the platform sets 5 and 600.

import type { ResourceValidationPolicy } from "@pulumi/policy";
import { at, isUnknown, num } from "../lib/json";
import { forEachWorkload } from "../lib/policy";
import { configSchema } from "../lib/report";

const POLICY = "rollback-ready";

export const rollbackReady: ResourceValidationPolicy = {
  name: POLICY,
  description:
    "Deployments keep earlier revisions (revisionHistoryLimit > 0) and set progressDeadlineSeconds.",
  enforcementLevel: "mandatory",
  configSchema: configSchema(),
  validateResource: forEachWorkload(POLICY, ({ w, target, r }) => {
    if (w.kind !== "Deployment") return;
    const where = `Deployment ${w.namespace ?? "default"}/${w.name}`;
    const history = at(w.props, "spec", "revisionHistoryLimit");
    if (!isUnknown(history) && num(history) === 0) {
      r.violation(
        target,
        `${where} sets revisionHistoryLimit: 0: the previous ReplicaSet is deleted after each rollout, so there is nothing to roll back to. Fix: keep a few revisions (revisionHistoryLimit: 5).`,
      );
    }
    const deadline = at(w.props, "spec", "progressDeadlineSeconds");
    if (!isUnknown(deadline) && num(deadline) === undefined) {
      r.violation(
        target,
        `${where} does not set progressDeadlineSeconds: a stuck rollout (crash loop, readiness never passing) is not reported as failed at a time the team chose, so neither the deploy nor an automatic rollback knows when to give up. Fix: set progressDeadlineSeconds (e.g. 600) to a bound the migration Job and startup fit in.`,
      );
    }
  }),
};
