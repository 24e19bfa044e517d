import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import type { ServiceSpec } from "../../components/service/spec";
import { reveal } from "../../tools/plan/redact";
import { catalog } from "../helpers/catalog";
import type { Planned } from "../helpers/program";

// Lookups over the monitoring objects of a plan, and where the tests find promtool.

/** The catalog entries a plan deploys (its `services` output), so `only` is respected. */
export function deployedSpecs(planned: Planned): ServiceSpec[] {
  const deployed = Object.keys(planned.run.outputs.services as Record<string, unknown>);
  return catalog.filter((s) => deployed.includes(s.name));
}

export interface PlannedRule {
  alert: string;
  expr: string;
  for: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface PlannedGroup {
  name: string;
  interval: string;
  rules: PlannedRule[];
}

/** Rule groups wherever the profile put them: PrometheusRule objects or Azure rule groups. */
export function plannedRuleGroups(planned: Planned): PlannedGroup[] {
  const fromOperator = planned.all("PrometheusRule").flatMap((o) => o.spec.groups as PlannedGroup[]);
  const fromAzure = planned.resources
    .filter((r) => r.type === "azure-native:alertsmanagement:PrometheusRuleGroup")
    .map((r) => {
      const inputs = reveal(r.inputs) as {
        ruleGroupName: string;
        interval: string;
        rules: Array<PlannedRule & { expression: string }>;
      };
      return {
        name: inputs.ruleGroupName,
        interval: inputs.interval,
        rules: inputs.rules.map((x) => ({ ...x, expr: x.expression })),
      };
    });
  return [...fromOperator, ...fromAzure];
}

const BUILD_SCRIPT = join(__dirname, "..", "..", "tools", "promtool", "build.sh");

/** The version pinned once, in the build script. */
export function promtoolVersion(): string {
  const pin = /^version="(v[0-9.]+)"$/m.exec(readFileSync(BUILD_SCRIPT, "utf8"));
  if (!pin?.[1]) throw new Error(`no version="v…" line in ${BUILD_SCRIPT}`);
  return pin[1];
}

/** The promtool binary tools/promtool/build.sh caches, if it was built on this machine. */
export function promtoolPath(): string | undefined {
  const cache = process.env.PLATFORM_CACHE_DIR ?? join(homedir(), ".cache", "platform");
  const path = join(cache, "promtool", promtoolVersion(), "promtool");
  return existsSync(path) ? path : undefined;
}

export function promtool(args: string[]): { status: number; output: string } {
  const path = promtoolPath();
  if (!path) throw new Error("promtool is not built (tools/promtool/build.sh)");
  try {
    const output = execFileSync(path, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    return { status: 0, output };
  } catch (error) {
    const e = error as { status: number; stdout: string; stderr: string };
    return { status: e.status, output: `${e.stdout}${e.stderr}` };
  }
}
