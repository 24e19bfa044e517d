import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { DASHBOARD_LABEL } from "../components/monitoring/dashboards";
import { reveal } from "./plan/redact";
import { isKubernetesObject } from "./plan/render";
import { runStackProgram } from "./plan/stack-program";

// `npm run -s dashboards -- --stack prod --out out/prod/dashboards`: the Grafana dashboards a stack
// renders (one per service, docs/observability.md), one JSON model per file, for a Grafana that
// does not read the dashboard ConfigMaps: Azure Managed Grafana imports each file with
// `az grafana dashboard import`. Evaluated offline like `npm run plan` (no CLI, no cluster).
// Prints the files written; exit 0, 2 on invalid input or a stack without dashboards.

process.setSourceMapsEnabled(false);
const ROOT = resolve(__dirname, "..");
const USAGE = "usage: npm run -s dashboards -- --stack <name> --out <directory>";

async function main(): Promise<number> {
  let values: { stack?: string; out?: string };
  try {
    values = parseArgs({
      options: { stack: { type: "string", short: "s" }, out: { type: "string" } },
      strict: true,
    }).values;
  } catch (error) {
    console.error(`dashboards: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (!values.stack || !values.out) {
    console.error(`dashboards: --stack and --out are required\n${USAGE}`);
    return 2;
  }
  const program = await runStackProgram("dashboards", ROOT, values.stack);
  if (!program) return 2;
  const { run } = program;
  const files = new Map<string, string>();
  for (const r of run.resources.filter(isKubernetesObject)) {
    const o = reveal(r.state) as {
      kind?: string;
      metadata?: { labels?: Record<string, string> };
      data?: Record<string, string>;
    };
    if (o.kind !== "ConfigMap" || o.metadata?.labels?.[DASHBOARD_LABEL] !== "1") continue;
    for (const [file, model] of Object.entries(o.data ?? {})) files.set(file, model);
  }
  if (files.size === 0) {
    console.error(
      `dashboards: stack ${values.stack} renders no dashboard: set platform:monitoring.enabled: true in stacks/Pulumi.${values.stack}.yaml`,
    );
    return 2;
  }
  const out = resolve(values.out);
  mkdirSync(out, { recursive: true });
  for (const [file, model] of [...files].sort(([a], [b]) => a.localeCompare(b))) {
    writeFileSync(join(out, file), `${model}\n`);
    console.log(join(values.out, file));
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`dashboards: internal error: ${(error as Error).stack ?? String(error)}`);
    process.exit(1);
  },
);
