// Our own defaults pass the pack: the runtime contract rendered for one service, its backing
// services and the log pipeline produces no finding at all with policies/config/default.json, and
// without that config exactly the log shipper's two justified exemptions show up.

import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { packEnforcementLevel, policies } from "../../policies/checks";
import { analyze } from "../../policies/runner/analyze";
import { loadPackConfig, resolvePackConfig } from "../../policies/runner/config";
import { FIXTURES, loadFixture } from "./harness";

const contract = loadFixture(join(FIXTURES, "_platform", "success.contract.yaml"), "_platform");

describe("the platform's own defaults", () => {
  it("policies/config/default.json is a valid pack config", () => {
    const resolved = resolvePackConfig(policies, packEnforcementLevel, loadPackConfig());
    expect(resolved.errors).toEqual([]);
    expect(resolved.warnings).toEqual([]);
  });

  it("the runtime contract passes every policy with the platform config", () => {
    const report = analyze(contract.resources, { config: loadPackConfig() });
    expect(report.violations).toEqual([]);
    expect(report.resourcesChecked).toBe(contract.resources.length);
    expect(report.policiesRun).toBe(policies.length);
  });

  it("without the config, only the log shipper's exempted findings appear", () => {
    const report = analyze(contract.resources);
    expect(
      report.violations.map((v) => [v.policy, v.enforcementLevel, v.resource.kind, v.resource.name]),
    ).toEqual([
      ["no-host-paths", "mandatory", "DaemonSet", "log-shipper"],
      ["run-as-non-root", "mandatory", "DaemonSet", "log-shipper"],
    ]);
    for (const v of report.violations) expect(v.message).toContain('container "alloy"');
  });

  it("stays clean as a production stack during preview, except the clock-dependent deploy-window note", () => {
    const report = analyze(contract.resources, {
      config: loadPackConfig(),
      stackTags: { "platform:environment": "prod" },
    });
    for (const v of report.violations) {
      expect(v.policy).toBe("deploy-window");
      expect(v.enforcementLevel).toBe("advisory");
    }
  });
});
