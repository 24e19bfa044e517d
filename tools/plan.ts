import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { ServiceGraph } from "../infra/catalog/graph";
import { catalog } from "../infra/catalog/services";
import { loadPackConfig } from "../policies/runner/config";
import { runPolicyGate } from "./plan/policy-gate";
import { writePlan } from "./plan/render";
import { runProgram } from "./plan/run";
import { withStackFacts } from "./plan/stack-facts";
import { readStackFile, StackFileError } from "./plan/stack-file";

// `npm run plan -- [--stack local] [--out out]`: evaluates the program for one stack offline
// (Pulumi's mock runtime: no CLI, no credentials, no cluster), writes out/<stack>/ and runs the
// policy pack on the result. Exit 0: clean; 1: a mandatory policy is violated; 2: invalid input.

// Pulumi captures a stack trace for every resource and promise; mapping each through source maps
// (which tsx turns on) costs more than evaluating the program. The plan prints messages, not frames.
process.setSourceMapsEnabled(false);

const ROOT = resolve(__dirname, "..");
const USAGE = "usage: npm run plan -- [--stack <name>] [--out <dir>] [--no-policy]";

async function main(): Promise<number> {
  const started = performance.now();
  let args: { stack: string; out: string; policy: boolean };
  try {
    const { values } = parseArgs({
      options: {
        stack: { type: "string", short: "s", default: "local" },
        out: { type: "string", default: join(ROOT, "out") },
        "no-policy": { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
      strict: true,
    });
    if (values.help) {
      console.log(USAGE);
      return 0;
    }
    args = { stack: values.stack, out: values.out, policy: !values["no-policy"] };
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

  progress("evaluating the program under the mock runtime");
  const run = await runProgram({
    stack: args.stack,
    config: stackFile.config,
    secretKeys: stackFile.secretKeys,
  });
  done();
  if (run.error) {
    console.error(`plan: invalid input for stack ${args.stack}, nothing was planned:\n${run.error.message}`);
    if (run.resources.length > 0)
      console.error(`plan: internal: ${run.resources.length} resources were registered before the error`);
    return 2;
  }

  progress("writing manifests");
  const outputs = run.outputs;
  const deployed = Object.keys((outputs.services ?? {}) as Record<string, unknown>);
  const graph = new ServiceGraph(catalog).subgraph(deployed);
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
    const config = withStackFacts(loadPackConfig(args.stack), run.resources);
    writeFileSync(join(directory, "policy-config.json"), `${JSON.stringify(config, null, 2)}\n`);
    const report = runPolicyGate(run.resources, config, tags, join(directory, "policy-report.json"));
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
    `  wrote ${directory}/ (manifests/, resources.json, outputs.json, graph.mmd${args.policy ? ", policy-config.json, policy-report.json" : ""})`,
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
