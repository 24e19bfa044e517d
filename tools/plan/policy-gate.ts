import { writeFileSync } from "node:fs";
import type { PolicyPackConfig } from "@pulumi/policy";
import { type AnalyzedResource, analyze, type PolicyReport } from "../../policies/runner/analyze";
import { reveal } from "./redact";
import type { RecordedResource } from "./runtime";

// Runs the policy pack on what the plan registered, the way `pulumi preview --policy-pack` would:
// resource inputs for resource policies, every resource with its dependencies for stack policies.
// The pack config is policies/config/default.json with policies/config/<stack>.json over it
// (policies/runner/config.ts: loadPackConfig), the same files `npm run policy` reads.

export function toAnalyzed(resources: readonly RecordedResource[]): AnalyzedResource[] {
  return resources.map((r) => ({
    type: r.type,
    name: r.name,
    urn: r.urn,
    props: reveal(r.state) as Record<string, unknown>,
    ...(r.parent ? { parent: r.parent } : {}),
    dependencies: r.dependencies,
    propertyDependencies: r.propertyDependencies,
    opts: {
      protect: r.protect,
      retainOnDelete: r.retainOnDelete,
      ignoreChanges: r.ignoreChanges,
      deleteBeforeReplace: r.deleteBeforeReplace,
    },
    ...(r.provider ? { provider: r.provider } : {}),
  }));
}

export function runPolicyGate(
  resources: readonly RecordedResource[],
  config: PolicyPackConfig,
  stackTags: Record<string, string>,
  reportPath?: string,
): PolicyReport {
  const report = analyze(toAnalyzed(resources), { config, stackTags });
  if (reportPath) writeFileSync(reportPath, `${JSON.stringify(report, null, 2)}\n`);
  return report;
}
