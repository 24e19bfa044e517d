import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { loadCatalog } from "../../infra/catalog/load";
import { median, NODE_CLI, ROOT } from "./cli";
import { generatedObjects } from "./generated-objects";

// `npm run bench`: prints the figures of docs/benchmarks.md with their targets beside them.
// Every plan runs in a fresh process (cold: nothing cached in memory, what a CI job pays);
// figures are medians, because these machines are noisy.

const TSC = join(ROOT, "node_modules", ".bin", "tsc");

interface PlanSample {
  wallMs: number;
  importsMs: number;
  evaluationMs: number;
  peakRssMiB: number;
  resources: number;
}

function timed(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
): { wallMs: number; stdout: string; status: number | null } {
  const started = performance.now();
  const result = spawnSync(command, args, {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, ...env },
    maxBuffer: 256 * 1024 * 1024,
  });
  const wallMs = performance.now() - started;
  if (result.status !== 0 && result.status !== 1) {
    throw new Error(`${command} ${args.join(" ")} exited ${result.status}: ${result.stderr.slice(0, 2000)}`);
  }
  return { wallMs, stdout: result.stdout, status: result.status };
}

function planSample(stack: string, services?: number): PlanSample {
  const args = [
    "tools/bench/plan-once.ts",
    "--stack",
    stack,
    ...(services ? ["--services", String(services)] : []),
  ];
  const run = timed(NODE_CLI[0] as string, [...NODE_CLI.slice(1), ...args]);
  const line = run.stdout.trim().split("\n").pop() ?? "{}";
  return { wallMs: run.wallMs, ...(JSON.parse(line) as Omit<PlanSample, "wallMs">) };
}

interface Row {
  what: string;
  value: string;
  target: string;
  ok: boolean | undefined;
}
const rows: Row[] = [];
const ms = (n: number) => (n >= 1000 ? `${(n / 1000).toFixed(2)} s` : `${Math.round(n)} ms`);
function report(what: string, value: string, target = "", ok?: boolean) {
  rows.push({ what, value, target, ok });
  const mark = ok === undefined ? " " : ok ? "✓" : "✗";
  console.log(`${mark} ${what.padEnd(58)} ${value.padEnd(26)} ${target}`);
}

function planFigures(
  label: string,
  stack: string,
  runs: number,
  services?: number,
  targets?: { wallMs?: number; rssMiB?: number },
) {
  const samples = Array.from({ length: runs }, () => planSample(stack, services));
  const wall = median(samples.map((s) => s.wallMs));
  const rss = median(samples.map((s) => s.peakRssMiB));
  const imports = median(samples.map((s) => s.importsMs));
  const evaluation = median(samples.map((s) => s.evaluationMs));
  const resources = samples[0]?.resources ?? 0;
  report(
    `plan ${label}: wall (median of ${runs} cold runs)`,
    ms(wall),
    targets?.wallMs ? `< ${ms(targets.wallMs)}` : "",
    targets?.wallMs ? wall < targets.wallMs : undefined,
  );
  report(
    `plan ${label}: peak memory`,
    `${Math.round(rss)} MiB`,
    targets?.rssMiB ? `< ${targets.rssMiB} MiB` : "",
    targets?.rssMiB ? rss < targets.rssMiB : undefined,
  );
  const rest = Math.max(0, wall - imports - evaluation);
  report(
    `plan ${label}: SDK import / program evaluation / rest`,
    `${ms(imports)} / ${ms(evaluation)} / ${ms(rest)}`,
  );
  report(
    `plan ${label}: resources, evaluation per resource`,
    `${resources}, ${(evaluation / resources).toFixed(2)} ms`,
  );
  return { wall, evaluation, resources };
}

async function main() {
  const { values } = parseArgs({
    options: { runs: { type: "string", default: "5" }, quick: { type: "boolean", default: false } },
    strict: true,
  });
  const runs = values.quick ? 1 : Number(values.runs);
  console.log(
    `machine: ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.versions.node}`,
  );
  console.log(`${runs} run(s) per figure; medians\n`);

  const services = loadCatalog().services.length;
  planFigures(`local (${services} services)`, "local", runs, undefined, { wallMs: 3000, rssMiB: 400 });
  planFigures(`prod (${services} services, Azure)`, "prod", runs, undefined, { wallMs: 3000, rssMiB: 400 });
  const growthRuns = Math.max(1, Math.min(runs, 3));
  const p50 = planFigures("generated, 50 services", "local", growthRuns, 50);
  const p200 = planFigures("generated, 200 services", "local", growthRuns, 200, { wallMs: 15_000 });
  const perResource50 = p50.evaluation / p50.resources;
  const perResource200 = p200.evaluation / p200.resources;
  report(
    "growth 50 -> 200 services: evaluation per resource",
    `${perResource50.toFixed(2)} -> ${perResource200.toFixed(2)} ms`,
    "linear or better (ratio <= 1.25)",
    perResource200 / perResource50 <= 1.25,
  );

  // Policy evaluation alone: in process over the platform's plan, and through the CLI over YAML.
  const inProcess = timed(NODE_CLI[0] as string, [...NODE_CLI.slice(1), "tools/bench/policy-once.ts"]);
  const policy = JSON.parse(inProcess.stdout.trim().split("\n").pop() ?? "{}") as {
    medianMs: number;
    resources: number;
  };
  report(
    `policy pack over the ${services}-service platform (${policy.resources} resources)`,
    ms(policy.medianMs),
    "< 100 ms",
    policy.medianMs < 100,
  );
  const dir = mkdtempSync(join(tmpdir(), "bench-"));
  for (const count of [1000, 10_000]) {
    const file = join(dir, `objects-${count}.yaml`);
    writeFileSync(file, generatedObjects(count));
    const samples = Array.from({ length: Math.max(1, Math.min(runs, 3)) }, () =>
      timed(NODE_CLI[0] as string, [
        ...NODE_CLI.slice(1),
        "policies/cli.ts",
        "check",
        file,
        "--format",
        "json",
      ]),
    );
    const wall = median(samples.map((s) => s.wallMs));
    const target = count === 10_000 ? 2000 : undefined;
    report(
      `npm run policy -- check, ${count} objects: wall`,
      ms(wall),
      target ? `< ${ms(target)}` : "",
      target ? wall < target : undefined,
    );
  }

  const typecheck = Array.from(
    { length: Math.max(1, Math.min(runs, 3)) },
    () => timed(TSC, ["--noEmit", "-p", "tsconfig.json"]).wallMs,
  );
  report(
    "type-check of the project (tsc --noEmit)",
    ms(median(typecheck)),
    "< 20 s",
    median(typecheck) < 20_000,
  );

  const failed = rows.filter((r) => r.ok === false);
  console.log(
    `\n${failed.length === 0 ? "every target met" : `${failed.length} target(s) missed: ${failed.map((f) => f.what).join("; ")}`}`,
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
