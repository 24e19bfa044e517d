// Small adapters between CrossGuard's callbacks and our views.
//
// Resources a check does not apply to are skipped with a plain `return`, not `notApplicable()`:
// throwing for every (policy, resource) pair would cost more than the checks themselves on a large
// stack. `notApplicable` is kept for real decisions (e.g. deploy-window outside production).

import type {
  ResourceValidation,
  ResourceValidationArgs,
  StackValidation,
  StackValidationArgs,
} from "@pulumi/policy";
import { plain, type Rec } from "./json";
import { type Reporter, reporter, type Target, targetOf } from "./report";
import { type StackIndex, stackIndex } from "./stack";
import { type Workload, workloadOf } from "./workload";

export interface WorkloadContext {
  w: Workload;
  target: Target;
  r: Reporter;
  args: ResourceValidationArgs;
}

/** A resource check over every pod-template kind (Deployment ... CronJob, Pod). */
export function forEachWorkload(policy: string, fn: (ctx: WorkloadContext) => void): ResourceValidation {
  return (args, report) => {
    const w = workloadOf(args.type, args.props);
    if (!w) return;
    const r = reporter(policy, args, report, "resource");
    fn({ w, target: targetOf(args.type, args.name, w.props, args.urn), r, args });
  };
}

export interface ResourceContext {
  props: Rec;
  target: Target;
  r: Reporter;
  cfg: Rec;
  args: ResourceValidationArgs;
}

/** A resource check for a fixed set of type tokens. */
export function forTypes(
  policy: string,
  types: readonly string[],
  fn: (ctx: ResourceContext) => void,
): ResourceValidation {
  const wanted = new Set(types);
  return (args, report) => {
    if (!wanted.has(args.type)) return;
    const props = plain(args.props);
    const cfg = args.getConfig<Rec>();
    fn({
      props,
      target: targetOf(args.type, args.name, props, args.urn),
      r: reporter(policy, cfg, report, "resource"),
      cfg,
      args,
    });
  };
}

export interface StackContext {
  index: StackIndex;
  r: Reporter;
  cfg: Rec;
  args: StackValidationArgs;
}

export function forStack(policy: string, fn: (ctx: StackContext) => void): StackValidation {
  return (args, report) => {
    const cfg = args.getConfig<Rec>();
    fn({ index: stackIndex(args.resources), r: reporter(policy, cfg, report, "stack"), cfg, args });
  };
}
