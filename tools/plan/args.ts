import { parseArgs } from "node:util";
import { refuseRepeatedOptions } from "../cli/repeated-options";

// The command line of `npm run plan`, parsed in one place: the plan itself and the tests of the CI
// templates (every `npm run plan -- ...` line a template runs must parse).

export const PLAN_USAGE =
  "usage: npm run plan -- [--stack <name>] [--out <dir>] [--diff <dir|git ref>] [--no-policy] [--service-spec <file>]...";

export interface PlanArgs {
  help: boolean;
  stack: string;
  out: string;
  policy: boolean;
  /** A previous plan directory or a git ref to compare with (plan/baseline.ts). */
  diff?: string;
  /** Spec files kept outside infra/catalog/services (a service repository): add or replace entries. */
  serviceSpecs: string[];
}

/** Throws node:util's TypeError (naming the option) on an unknown flag or a missing value, and on a flag given twice. */
export function parsePlanArgs(argv: readonly string[], defaultOut: string): PlanArgs {
  const options = {
    stack: { type: "string", short: "s", default: "local" },
    out: { type: "string", default: defaultOut },
    diff: { type: "string" },
    "no-policy": { type: "boolean", default: false },
    "service-spec": { type: "string", multiple: true, default: [] as string[] },
    help: { type: "boolean", short: "h", default: false },
  } as const;
  const { values } = parseArgs({ args: [...argv], options, strict: true });
  refuseRepeatedOptions(argv, options);
  return {
    help: values.help,
    stack: values.stack,
    out: values.out,
    policy: !values["no-policy"],
    serviceSpecs: values["service-spec"],
    ...(values.diff !== undefined ? { diff: values.diff } : {}),
  };
}
