import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { isPlatformInputError } from "../components/errors/input-error";
import { ServiceGraph } from "../infra/catalog/graph";
import { type Catalog, loadCatalog } from "../infra/catalog/load";
import { loadPackConfig } from "../policies/runner/config";
import { PLAN_USAGE, type PlanArgs, parsePlanArgs } from "./plan/args";
import { type Baseline, BaselineError, loadBaseline } from "./plan/baseline";
import { OutputDirectoryError, PlanOutput } from "./plan/output-dir";
import { diffLines, diffPlans, type PlanDiff } from "./plan/plan-diff";
import { runPolicyGate } from "./plan/policy-gate";
import { type Progress, progressFor } from "./plan/progress";
import { writePlan } from "./plan/render";
import { runProgram } from "./plan/run";
import { withStackFacts } from "./plan/stack-facts";
import { readStackFile, StackFileError } from "./plan/stack-file";
import { renderSummary } from "./plan/summary";

// `npm run plan -- [--stack local] [--out out] [--diff <dir|git ref>] [--service-spec <file>...]`:
// evaluates the program for one stack offline (Pulumi's mock runtime: no CLI, no credentials, no
// cluster), writes out/<stack>/ (all or nothing: output-dir.ts) and runs the policy pack on the
// result. `--service-spec` adds or replaces catalog entries from spec files kept elsewhere (a
// service repository); `--diff` compares with a baseline plan (plan/baseline.ts). Exit 0: clean;
// 1: a mandatory policy is violated; 2: invalid input (stack file, catalog, spec files, flags),
// nothing planned and no out/<stack>/ left.

// Pulumi captures a stack trace for every resource and promise; mapping each through source maps
// (which tsx turns on) costs more than evaluating the program. The plan prints messages, not frames.
process.setSourceMapsEnabled(false);

const ROOT = resolve(__dirname, "..");
const USAGE = PLAN_USAGE;

async function main(): Promise<number> {
  let args: PlanArgs;
  try {
    args = parsePlanArgs(process.argv.slice(2), join(ROOT, "out"));
  } catch (error) {
    console.error(`plan: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (args.help) {
    console.log(USAGE);
    return 0;
  }
  let output: PlanOutput;
  try {
    output = PlanOutput.open(args.out, args.stack);
  } catch (error) {
    if (!(error instanceof OutputDirectoryError)) throw error;
    console.error(`plan: ${error.message}`);
    return 2;
  }
  const progress = progressFor();
  let code: number;
  try {
    code = await plan(args, output, progress);
  } catch (error) {
    progress.done();
    output.discard();
    throw error;
  }
  if (code === 2) output.discard();
  else output.commit();
  return code;
}

async function plan(args: PlanArgs, output: PlanOutput, progress: Progress): Promise<number> {
  const started = performance.now();
  const fail = (message: string) => {
    progress.done();
    console.error(`plan: ${message}`);
    return 2;
  };

  progress.phase(`reading stacks/Pulumi.${args.stack}.yaml`);
  let stackFile: ReturnType<typeof readStackFile>;
  try {
    stackFile = readStackFile(ROOT, args.stack);
  } catch (error) {
    if (error instanceof StackFileError) return fail(error.message);
    throw error;
  }

  progress.phase("reading the catalog");
  let catalog: Catalog;
  try {
    catalog = loadCatalog({ specFiles: args.serviceSpecs });
  } catch (error) {
    if (isPlatformInputError(error))
      return fail(`invalid input for stack ${args.stack}, nothing was planned:\n${error.message}`);
    throw error;
  }

  progress.phase("evaluating the program under the mock runtime");
  const run = await runProgram({
    stack: args.stack,
    config: stackFile.config,
    secretKeys: stackFile.secretKeys,
    catalog: catalog.services,
  });
  if (run.error) {
    const internal =
      run.resources.length > 0
        ? `\nplan: internal: ${run.resources.length} resources were registered before the error`
        : "";
    return fail(
      `invalid input for stack ${args.stack}, nothing was planned:\n${run.error.message}${internal}`,
    );
  }

  progress.release();

  // The baseline is read before this plan replaces out/<stack>/ (it may be the baseline).
  let baseline: Baseline | undefined;
  if (args.diff !== undefined) {
    progress.phase(`reading the baseline ${args.diff}`);
    try {
      baseline = loadBaseline(args.diff, args.stack, ROOT);
    } catch (error) {
      if (error instanceof BaselineError) return fail(error.message);
      throw error;
    }
  }

  progress.phase("writing manifests");
  const outputs = run.outputs;
  const services = (outputs.services ?? {}) as Record<string, { image?: string; routes?: string[] }>;
  const deployed = Object.keys(services);
  const mermaid = new ServiceGraph(catalog.services).subgraph(deployed).toMermaid();
  const rendered = writePlan(output.staging, run.resources, outputs, mermaid);

  let policyLine = "policies: skipped (--no-policy)";
  let exitCode = 0;
  let report: ReturnType<typeof runPolicyGate> | undefined;
  const mandatoryLines: string[] = [];
  if (args.policy) {
    progress.phase("running the policy pack");
    const tags: Record<string, string> = { "platform:stack": args.stack };
    const env = stackFile.config["platform:environment"];
    if (env) tags["platform:environment"] = env;
    if (stackFile.config["platform:ephemeral"]) tags["platform:ephemeral"] = "true";
    const config = withStackFacts(loadPackConfig(args.stack), run.resources);
    writeFileSync(join(output.staging, "policy-config.json"), `${JSON.stringify(config, null, 2)}\n`);
    report = runPolicyGate(
      run.resources,
      config,
      tags,
      join(output.staging, "policy-report.json"),
      `stacks/Pulumi.${args.stack}.yaml`,
    );
    const mandatory = report.violations.filter((v) => v.enforcementLevel === "mandatory");
    const advisory = report.violations.length - mandatory.length;
    policyLine = `policies: ${report.policiesRun} run, ${mandatory.length} mandatory and ${advisory} advisory violations`;
    for (const v of mandatory) mandatoryLines.push(`  ✗ [${v.policy}] ${v.message}`);
    if (mandatory.length > 0) exitCode = 1;
  }

  let diff: PlanDiff | undefined;
  if (baseline) {
    progress.phase("comparing with the baseline");
    diff = diffPlans(baseline.snapshot, rendered, baseline.label);
    writeFileSync(join(output.staging, "diff.json"), `${JSON.stringify(diff, null, 2)}\n`);
  }

  progress.phase("writing summary.md");
  const byType = new Map<string, number>();
  for (const r of run.resources) byType.set(r.type, (byType.get(r.type) ?? 0) + 1);
  const resourceCounts = [...byType.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const notes = stackFile.undecrypted.length
    ? [
        `${stackFile.undecrypted.join(", ")} ${stackFile.undecrypted.length > 1 ? "are" : "is"} encrypted (secure:); the plan used a redacted placeholder`,
      ]
    : [];
  writeFileSync(
    join(output.staging, "summary.md"),
    renderSummary({
      stack: args.stack,
      profile: String(outputs.profile),
      environment: String(outputs.environment),
      namespace: String(outputs.namespace),
      services: deployed.map((name) => ({ name, ...services[name] })),
      resourceCounts,
      kubernetesObjects: rendered.manifests.size,
      ...(report ? { policy: report } : {}),
      ...(diff ? { diff } : {}),
      mermaid,
      notes,
    }),
  );
  progress.done();

  for (const line of mandatoryLines) console.error(line);
  const files = ["manifests/", "resources.json", "outputs.json", "graph.mmd"];
  if (args.policy)
    files.push("policy-config.json", "policy-report.json with .sarif, .junit.xml and .codequality.json");
  if (diff) files.push("diff.json");
  files.push("summary.md");
  const lines = [
    `plan of stack ${args.stack} (${String(outputs.profile)} profile, ${String(outputs.environment)} environment, namespace ${String(outputs.namespace)})`,
    `  services: ${deployed.length} (${deployed.join(", ")})`,
    `  resources: ${run.resources.length}, of which ${rendered.manifests.size} Kubernetes objects`,
    ...resourceCounts.map(([type, n]) => `    ${String(n).padStart(4)}  ${type}`),
    `  ${policyLine}`,
    ...notes.map((n) => `  note: ${n}`),
    ...(diff ? diffLines(diff).map((l) => `  ${l}`) : []),
    `  wrote ${output.final}/ (${files.join(", ")})`,
    `  took ${Math.round(performance.now() - started)} ms (program evaluation ${Math.round(run.evaluationMs)} ms)`,
  ];
  console.log(lines.join("\n"));
  return exitCode;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    console.error(error);
    process.exitCode = 3;
  },
);
