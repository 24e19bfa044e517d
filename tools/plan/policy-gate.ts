import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { PolicyPackConfig } from "@pulumi/policy";
import { policies } from "../../policies/checks";
import { type AnalyzedResource, analyze, type PolicyReport } from "../../policies/runner/analyze";
import { formatReport, type ReportContext } from "../../policies/runner/report-formats";
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

/** The CI report files written beside policy-report.json (the formats of `npm run policy -- check`). */
export const CI_REPORTS = {
  sarif: "policy-report.sarif",
  junit: "policy-report.junit.xml",
  "gitlab-codequality": "policy-report.codequality.json",
} as const;

/**
 * Runs the pack; with `reportPath`, writes the report there (JSON) and the CI formats beside it. Plan
 * resources have no YAML file: findings point at `sourcePath` (the stack file), named by resource.
 */
export function runPolicyGate(
  resources: readonly RecordedResource[],
  config: PolicyPackConfig,
  stackTags: Record<string, string>,
  reportPath?: string,
  sourcePath = "Pulumi.yaml",
): PolicyReport {
  const report = analyze(toAnalyzed(resources), { config, stackTags });
  if (reportPath) {
    writeFileSync(reportPath, `${JSON.stringify(report, null, 2)}\n`);
    const ctx: ReportContext = {
      report,
      rules: policies.map((p) => ({
        name: p.name,
        description: p.description,
        enforcementLevel: p.enforcementLevel,
      })),
      fallbackPath: sourcePath,
    };
    for (const [format, file] of Object.entries(CI_REPORTS) as Array<[keyof typeof CI_REPORTS, string]>)
      writeFileSync(join(dirname(reportPath), file), formatReport(format, ctx));
  }
  return report;
}
