import { join, resolve } from "node:path";
import { ServiceGraph } from "../infra/catalog/graph";
import { type Catalog, loadCatalog } from "../infra/catalog/load";
import { isPlatformInputError, type PlatformInputError } from "../infra/errors";
import { loadPackConfig } from "../policies/runner/config";
import { PLAN_USAGE, type PlanArgs, parsePlanArgs } from "./plan/args";
import { runPolicyGate } from "./plan/policy-gate";
import { writePlan } from "./plan/render";
import { runProgram } from "./plan/run";
import { readStackFile, StackFileError } from "./plan/stack-file";

// `npm run plan -- [--stack local] [--out out] [--service-spec <file>...]`: evaluates the program for
// one stack offline (Pulumi's mock runtime: no CLI, no credentials, no cluster), writes
// out/<stack>/ and runs the policy pack on the result. `--service-spec` adds or replaces catalog
// entries from spec files kept elsewhere (a service repository). Exit 0: clean; 1: a mandatory
// policy is violated; 2: invalid input (stack file, catalog, spec files), nothing planned.

// Pulumi captures a stack trace for every resource and promise; mapping each through source maps
// (which tsx turns on) costs more than evaluating the program. The plan prints messages, not frames.
process.setSourceMapsEnabled(false);

const ROOT = resolve(__dirname, "..");
const USAGE = PLAN_USAGE;

/** The one way invalid input is reported, wherever it was found. */
function reportInvalidInput(stack: string, error: PlatformInputError): number {
  console.error(`plan: invalid input for stack ${stack}, nothing was planned:\n${error.message}`);
  return 2;
}

async function main(): Promise<number> {
  const started = performance.now();
  let args: PlanArgs;
  try {
    args = parsePlanArgs(process.argv.slice(2), join(ROOT, "out"));
    if (args.help) {
      console.log(USAGE);
      return 0;
    }
  } catch (error) {
    console.error(`plan: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }

  const progress = (message: string) => {
    if (process.stdout.isTTY) process.stdout.write(`\r\x1b[2K… ${message}`);
  };
  const done = () => {
    if (process.stdout.isTTY) process.stdout.write("\r\x1b[2K");
  };

  progress(`reading stacks/Pulumi.${args.stack}.yaml`);
  let stackFile: ReturnType<typeof readStackFile>;
  try {
    stackFile = readStackFile(ROOT, args.stack);
  } catch (error) {
    done();
    if (error instanceof StackFileError) {
      console.error(`plan: ${error.message}`);
      return 2;
    }
    throw error;
  }

  progress("reading the catalog");
  let catalog: Catalog;
  try {
    catalog = loadCatalog({ specFiles: args.serviceSpecs });
  } catch (error) {
    done();
    if (isPlatformInputError(error)) return reportInvalidInput(args.stack, error);
    throw error;
  }

  progress("evaluating the program under the mock runtime");
  const run = await runProgram({
    stack: args.stack,
    config: stackFile.config,
    secretKeys: stackFile.secretKeys,
    catalog: catalog.services,
  });
  done();
  if (run.error) {
    reportInvalidInput(args.stack, run.error);
    if (run.resources.length > 0)
      console.error(`plan: internal: ${run.resources.length} resources were registered before the error`);
    return 2;
  }

  progress("writing manifests");
  const outputs = run.outputs;
  const deployed = Object.keys((outputs.services ?? {}) as Record<string, unknown>);
  const graph = new ServiceGraph(catalog.services).subgraph(deployed);
  const directory = join(args.out, args.stack);
  const rendered = writePlan(directory, run.resources, outputs, graph.toMermaid());

  let policyLine = "policies: skipped (--no-policy)";
  let exitCode = 0;
  if (args.policy) {
    progress("running the policy pack");
    const tags: Record<string, string> = { "platform:stack": args.stack };
    const env = stackFile.config["platform:environment"];
    if (env) tags["platform:environment"] = env;
    if (stackFile.config["platform:ephemeral"]) tags["platform:ephemeral"] = "true";
    const report = runPolicyGate(
      run.resources,
      loadPackConfig(args.stack),
      tags,
      join(directory, "policy-report.json"),
      `stacks/Pulumi.${args.stack}.yaml`,
    );
    const mandatory = report.violations.filter((v) => v.enforcementLevel === "mandatory");
    const advisory = report.violations.length - mandatory.length;
    policyLine = `policies: ${report.policiesRun} run, ${mandatory.length} mandatory and ${advisory} advisory violations`;
    done();
    for (const v of mandatory) console.error(`  ✗ [${v.policy}] ${v.message}`);
    if (mandatory.length > 0) exitCode = 1;
  }
  done();

  const byType = new Map<string, number>();
  for (const r of run.resources) byType.set(r.type, (byType.get(r.type) ?? 0) + 1);
  const lines = [
    `plan of stack ${args.stack} (${String(outputs.profile)} profile, ${String(outputs.environment)} environment, namespace ${String(outputs.namespace)})`,
    `  services: ${deployed.length} (${deployed.join(", ")})`,
    `  resources: ${run.resources.length}, of which ${rendered.manifests} Kubernetes objects`,
    ...[...byType.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([type, n]) => `    ${String(n).padStart(4)}  ${type}`),
    `  ${policyLine}`,
    ...(stackFile.undecrypted.length
      ? [
          `  note: ${stackFile.undecrypted.join(", ")} ${stackFile.undecrypted.length > 1 ? "are" : "is"} encrypted (secure:); the plan used a redacted placeholder`,
        ]
      : []),
    `  wrote ${directory}/ (manifests/, resources.json, outputs.json, graph.mmd${args.policy ? ", policy-report.json with .sarif, .junit.xml and .codequality.json" : ""})`,
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
