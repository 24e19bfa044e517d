// What the plan tells the policy checks about the stack it planned (policies/lib/stack-facts.ts):
// it is a whole stack, and these components are installed by resources whose Kubernetes objects the
// rendered manifests never show (Helm charts, rendered by the provider at deploy time: Loki on the
// Azure profile). Written into the pack config the plan runs with, and into
// out/<stack>/policy-config.json for checking the rendered manifests later.

import type { PolicyPackConfig } from "@pulumi/policy";
import { AZURE_RULE_GROUP_TYPE, azureRuleGroupRules } from "../../policies/checks/monitored";
import { chartComponents, type StackComponent } from "../../policies/lib/classify";
import { mergePackConfigs } from "../../policies/runner/config";
import type { RecordedResource } from "./runtime";

// Resource types whose objects are rendered by the provider, not by the plan (render.ts skips them).
const RENDERED_BY_PROVIDER = /^kubernetes:(helm\.sh|yaml|kustomize)\//;

/** Components installed by charts and other provider-rendered resources, sorted. */
export function installedOutsideManifests(resources: readonly RecordedResource[]): StackComponent[] {
  const found = new Set<StackComponent>();
  for (const r of resources) {
    if (!RENDERED_BY_PROVIDER.test(r.type)) continue;
    const chart = typeof r.inputs.chart === "string" ? r.inputs.chart : "";
    for (const c of chartComponents(`${chart} ${r.name}`)) found.add(c);
  }
  return [...found].sort();
}

/**
 * The stack's pack config with the plan's facts over it: `logs-to-stdout` reads what charts install,
 * `monitored` the alert rules of Azure Monitor rule groups (neither is a rendered manifest).
 */
export function withStackFacts(
  config: PolicyPackConfig,
  resources: readonly RecordedResource[],
): PolicyPackConfig {
  const rulesOutsideManifests = resources
    .filter((r) => r.type === AZURE_RULE_GROUP_TYPE)
    .flatMap((r) => azureRuleGroupRules(r.inputs));
  return mergePackConfigs(config as Record<string, unknown>, {
    "logs-to-stdout": { wholeStack: true, installedComponents: installedOutsideManifests(resources) },
    ...(rulesOutsideManifests.length > 0 ? { monitored: { rulesOutsideManifests } } : {}),
  });
}
