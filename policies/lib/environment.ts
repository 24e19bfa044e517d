// Facts about the stack being analysed that no single resource carries: is it production, is it
// ephemeral, what time is it, is this a preview. Read from stack tags, Namespace labels, pack config
// and the environment the Pulumi CLI gives the policy pack process.

import { strs } from "./json";
import type { StackIndex } from "./stack";

/** process.env without depending on @types/node (the pack type-checks standalone). */
export function env(name: string): string | undefined {
  const proc = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process;
  return proc?.env?.[name];
}

/** The Pulumi CLI sets PULUMI_NODEJS_DRY_RUN=true for the policy pack during `pulumi preview`. */
export function isPreview(): boolean {
  return env("PULUMI_NODEJS_DRY_RUN") === "true";
}

export const ENVIRONMENT_TAG = "platform:environment";
export const EPHEMERAL_TAG = "platform:ephemeral";
export const ENVIRONMENT_LABEL = "platform.internal/environment";
export const EPHEMERAL_LABEL = "platform.internal/ephemeral";

export const DEFAULT_PRODUCTION = ["prod", "production"];

export const productionSchema = {
  productionEnvironments: {
    type: "array" as const,
    items: { type: "string" as const },
    default: DEFAULT_PRODUCTION,
    description:
      "Values of the stack tag platform:environment, of the Namespace label platform.internal/environment, " +
      "or stack names (PULUMI_NODEJS_STACK) that mean production.",
  },
};

export interface Production {
  production: boolean;
  why: string;
}

/**
 * Production when the stack tag `platform:environment`, any Namespace label
 * `platform.internal/environment`, or the stack name the CLI passes (PULUMI_NODEJS_STACK) is one of
 * `productionEnvironments`.
 */
export function production(
  stackTags: ReadonlyMap<string, string>,
  cfg: Record<string, unknown>,
  index?: StackIndex,
): Production {
  const prodValues =
    cfg.productionEnvironments === undefined ? DEFAULT_PRODUCTION : strs(cfg.productionEnvironments);
  const tag = stackTags.get(ENVIRONMENT_TAG);
  if (tag !== undefined && prodValues.includes(tag))
    return { production: true, why: `stack tag ${ENVIRONMENT_TAG}=${tag}` };
  if (index) {
    for (const [name, ns] of index.namespaceObjects) {
      const label = ns.target.kube ? labelOf(ns.props, ENVIRONMENT_LABEL) : undefined;
      if (label !== undefined && prodValues.includes(label)) {
        return { production: true, why: `Namespace ${name} is labelled ${ENVIRONMENT_LABEL}=${label}` };
      }
    }
  }
  const stack = env("PULUMI_NODEJS_STACK");
  if (stack !== undefined && prodValues.includes(stack)) return { production: true, why: `stack ${stack}` };
  return { production: false, why: "no production tag, label or stack name" };
}

export function labelOf(props: Record<string, unknown>, label: string): string | undefined {
  const metadata = props.metadata;
  if (typeof metadata !== "object" || metadata === null) return undefined;
  const labels = (metadata as Record<string, unknown>).labels;
  if (typeof labels !== "object" || labels === null) return undefined;
  const v = (labels as Record<string, unknown>)[label];
  return typeof v === "string" ? v : undefined;
}

/** `now` from the policy config (ISO 8601, for tests and rehearsals) or the clock. */
export function now(cfg: Record<string, unknown>): Date | undefined {
  if (typeof cfg.now === "string") {
    const d = new Date(cfg.now);
    return Number.isNaN(d.getTime()) ? undefined : d;
  }
  return new Date();
}
