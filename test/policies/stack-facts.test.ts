// Stack-level conclusions need a whole stack: "no log shipper" and "no Loki" never fire on one
// manifest or a chart's output checked alone, do fire on a whole stack (the platform config, i.e.
// the plan, `policy check --stack` and pulumi preview), and count what the plan says it installed
// outside the rendered manifests (Loki from a Helm chart on the Azure profile).

import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { analyze } from "../../policies/runner/analyze";
import { loadPackConfig, mergePackConfigs } from "../../policies/runner/config";
import type { RecordedResource } from "../../tools/plan/runtime";
import { installedOutsideManifests } from "../../tools/plan/stack-facts";
import { FIXTURES, loadFixture } from "./harness";
import { policyCli as cli } from "./policy-cli";

const ROOT = resolve(__dirname, "..", "..");
const TSX = join(ROOT, "node_modules", ".bin", "tsx");
const NO_SHIPPER = join(FIXTURES, "logs-to-stdout", "failure.no-log-shipper.yaml");
const app = loadFixture(NO_SHIPPER);

const stackFindings = (messages: string[]) =>
  messages.filter((m) => /^Stack: application workloads .* but no (log shipper|Loki)/.test(m));

describe("logs-to-stdout stack findings", () => {
  it("do not fire on a manifest checked alone (no --stack, no config)", async () => {
    const report = analyze(app.resources);
    expect(stackFindings(report.violations.map((v) => v.message))).toEqual([]);
    const run = await cli(["check", NO_SHIPPER, "--format", "json"]);
    const json = JSON.parse(run.stdout) as { violations: Array<{ message: string }> };
    expect(stackFindings(json.violations.map((v) => v.message))).toEqual([]);
  });

  it("fire on a whole stack: the platform config, and `policy check --stack`", async () => {
    const report = analyze(app.resources, { config: loadPackConfig() });
    expect(stackFindings(report.violations.map((v) => v.message)).length).toBeGreaterThan(0);
    const run = await cli(["check", NO_SHIPPER, "--stack", "local", "--format", "json"]);
    const json = JSON.parse(run.stdout) as { violations: Array<{ message: string }> };
    expect(stackFindings(json.violations.map((v) => v.message)).length).toBeGreaterThan(0);
  });

  it("count the components the stack states it installed elsewhere", () => {
    const config = mergePackConfigs(loadPackConfig(), {
      "logs-to-stdout": { installedComponents: ["log-shipper", "log-store"] },
    });
    const report = analyze(app.resources, { config });
    expect(stackFindings(report.violations.map((v) => v.message))).toEqual([]);
  });

  it("reject a component name the pack does not know", () => {
    const config = mergePackConfigs(loadPackConfig(), {
      "logs-to-stdout": { installedComponents: ["lokii"] },
    });
    expect(() => analyze(app.resources, { config })).toThrow(/installedComponents/);
  });
});

describe("the plan tells the checks what it installed (prod: Loki from a Helm chart)", () => {
  let out: string;
  beforeAll(() => {
    out = mkdtempSync(join(tmpdir(), "plan-facts-"));
    execFileSync(TSX, ["tools/plan.ts", "--stack", "prod", "--out", out], { cwd: ROOT, encoding: "utf8" });
  }, 180_000);

  it("writes the facts into out/prod/policy-config.json", () => {
    const config = JSON.parse(readFileSync(join(out, "prod", "policy-config.json"), "utf8"));
    expect(config["logs-to-stdout"]).toMatchObject({ wholeStack: true, installedComponents: ["log-store"] });
    const resources = JSON.parse(readFileSync(join(out, "prod", "resources.json"), "utf8")) as Array<
      Pick<RecordedResource, "type" | "name"> & { inputs?: Record<string, unknown> }
    >;
    // Derived from what the plan registered: the chart resources, not a list kept by hand.
    const charts = resources
      .filter((r) => r.type.startsWith("kubernetes:helm.sh/"))
      .map((r) => ({ ...r, inputs: r.inputs ?? {} }) as unknown as RecordedResource);
    expect(installedOutsideManifests(charts)).toEqual(config["logs-to-stdout"].installedComponents);
    // The Azure Monitor rule groups' alert rules, which `monitored` needs and no manifest shows.
    const groups = resources.filter((r) => r.type === "azure-native:alertsmanagement:PrometheusRuleGroup");
    expect(groups.length).toBeGreaterThan(0);
    expect(config.monitored.rulesOutsideManifests.length).toBe(
      groups.reduce((n, g) => n + ((g.inputs?.rules as unknown[] | undefined)?.length ?? 0), 0),
    );
  });

  it("its rendered manifests pass with the plan's config, and say 'no Loki' without the facts", async () => {
    const manifests = join(out, "prod", "manifests");
    const withFacts = await cli(["check", manifests, "--config", join(out, "prod", "policy-config.json")]);
    expect(withFacts.stdout).not.toMatch(/no Loki|no log shipper/);
    expect(withFacts.code).toBe(0);
    const withoutFacts = await cli(["check", manifests, "--stack", "prod"]);
    expect(withoutFacts.stdout).toMatch(/advisory {2}logs-to-stdout: Stack: .* but no Loki/);
  });
});
