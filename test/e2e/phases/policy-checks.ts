import type { PolicyReport } from "../lib/pulumi";
import type { Checks } from "../lib/report";

// The real analyzer ran our pack: what the local stack's `up` and the unsafe program's preview
// both check in the engine's event log and output.

export const POLICY_PACK = "platform";

export function policyChecks(checks: Checks, label: string, report: PolicyReport, output: string): void {
  const analyzed = report.analyzed.get(POLICY_PACK) ?? 0;
  const passed = report.passed.get(POLICY_PACK)?.size ?? 0;
  checks.that(
    report.loaded && analyzed > 0 && report.stackAnalyzed.has(POLICY_PACK),
    `${label}: policy pack "${POLICY_PACK}" loaded in the real analyzer, checked ${analyzed} resources and the stack (${passed} policies passed)`,
    `loaded=${report.loaded}, resources analyzed=${analyzed}, stack analyzed=${report.stackAnalyzed.has(POLICY_PACK)}`,
  );
  checks.that(
    new RegExp(`${POLICY_PACK}@v[0-9.]+`).test(output),
    `${label}: the engine output names the pack (${POLICY_PACK}@v…)`,
  );
}
