// What a stack-level policy may conclude from what it sees. "The stack has no log shipper" is only
// true of a whole stack (the plan, `policy check --stack`, `pulumi preview` with our config), never
// of one team's manifest or one chart's output; and a whole stack may install components the
// checked resources never show (Loki from a Helm chart the provider renders). The plan states both
// in the pack config it runs with and writes (out/<stack>/policy-config.json).

import type { PolicyConfigJSONSchema } from "@pulumi/policy/schema";
import { COMPONENT_LABEL, STACK_COMPONENTS, type StackComponent } from "./classify";
import type { Rec } from "./json";

export interface StackFacts {
  /** The checked resources are a whole stack: absences are findings. */
  wholeStack: boolean;
  /** Installed by the stack outside the checked resources (e.g. from a Helm chart). */
  installed: ReadonlySet<StackComponent>;
}

export const stackFactsSchema: Record<string, PolicyConfigJSONSchema> = {
  wholeStack: {
    type: "boolean",
    default: false,
    description:
      "The checked resources are a whole stack (the plan, `policy check --stack`, pulumi preview with policies/config): only then is a missing component a finding. Off for a single manifest or a chart's output.",
  },
  installedComponents: {
    type: "array",
    items: { type: "string", enum: [...STACK_COMPONENTS] },
    default: [],
    description: `Components the stack installs that the checked resources do not show (a Helm chart rendered by the provider), named as the ${COMPONENT_LABEL} label. The plan sets it.`,
  },
};

export function stackFacts(cfg: Rec): StackFacts {
  const installed = new Set<StackComponent>();
  if (Array.isArray(cfg.installedComponents)) {
    for (const c of cfg.installedComponents) {
      if ((STACK_COMPONENTS as readonly unknown[]).includes(c)) installed.add(c as StackComponent);
    }
  }
  return { wholeStack: cfg.wholeStack === true, installed };
}
