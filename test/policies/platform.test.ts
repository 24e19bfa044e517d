// Our own defaults pass the pack: the local stack as `npm run plan` renders it (every service of
// the catalog, its backing services and the log pipeline, as our components emit them) produces no
// finding at all with policies/config/default.json; without that config, the only findings are the
// ones that config exempts, each with its written justification. The production stack's plan is
// checked against the pack in test/azure/stacks.test.ts.

import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { packEnforcementLevel, policies } from "../../policies/checks";
import { type AnalyzedResource, analyze, type Violation } from "../../policies/runner/analyze";
import { loadPackConfig, resolvePackConfig } from "../../policies/runner/config";
import { toAnalyzed } from "../../tools/plan/policy-gate";
import { runProgram } from "../../tools/plan/run";
import { readStackFile } from "../../tools/plan/stack-file";
import { nonEmpty } from "../helpers/non-empty";

const ROOT = join(__dirname, "..", "..");
const STACK = "local";

let resources: AnalyzedResource[];

beforeAll(async () => {
  const file = readStackFile(ROOT, STACK);
  const run = await runProgram({ stack: STACK, config: file.config, secretKeys: file.secretKeys });
  if (run.error) throw run.error;
  resources = nonEmpty(toAnalyzed(run.resources), `the ${STACK} stack's plan`);
}, 120_000);

interface ConfigExemption {
  kind?: string;
  namespace?: string;
  name?: string;
  container?: string;
  justification: string;
}

function glob(pattern: string | undefined, value: string | undefined): boolean {
  if (pattern === undefined) return true;
  const re = new RegExp(
    `^${pattern
      .split("*")
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
      .join(".*")}$`,
  );
  return re.test(value ?? "");
}

/** The default.json exemption that covers a finding, if any (container named in the message). */
function exemptionFor(v: Violation): ConfigExemption | undefined {
  const entry = loadPackConfig()[v.policy];
  const exemptions = (typeof entry === "object" && entry !== null ? Reflect.get(entry, "exemptions") : []) as
    | ConfigExemption[]
    | undefined;
  const container = /container "([^"]+)"/.exec(v.message)?.[1];
  return (exemptions ?? []).find(
    (e) =>
      glob(e.kind, v.resource.kind) &&
      glob(e.namespace, v.resource.namespace) &&
      glob(e.name, v.resource.name) &&
      glob(e.container, container),
  );
}

describe("the platform's own defaults", () => {
  it("policies/config/default.json is a valid pack config", () => {
    const resolved = resolvePackConfig(policies, packEnforcementLevel, loadPackConfig());
    expect(resolved.errors).toEqual([]);
    expect(resolved.warnings).toEqual([]);
  });

  it(`the ${STACK} stack's plan passes every policy with the platform config`, () => {
    const report = analyze(resources, { config: loadPackConfig() });
    expect(report.violations).toEqual([]);
    expect(report.resourcesChecked).toBe(resources.length);
    expect(report.policiesRun).toBe(policies.length);
  });

  it("without the config, the only findings are the ones it exempts, each justified", () => {
    const report = analyze(resources);
    const findings = nonEmpty(report.violations, "findings the default config exempts");
    const unexempted = findings.filter((v) => exemptionFor(v) === undefined);
    expect(unexempted.map((v) => `[${v.policy}] ${v.message}`)).toEqual([]);
    for (const v of findings) expect(exemptionFor(v)?.justification.length, v.policy).toBeGreaterThan(20);
  });
});
