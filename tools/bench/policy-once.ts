import { resolve } from "node:path";
import { analyze } from "../../policies/runner/analyze";
import { loadPackConfig } from "../../policies/runner/config";
import { toAnalyzed } from "../plan/policy-gate";
import { runProgram } from "../plan/run";
import { readStackFile } from "../plan/stack-file";

// As tools/plan.ts does: no source-mapped stack traces (see there).
process.setSourceMapsEnabled(false);

// The policy pack alone over the platform's plan, in process: the plan runs once, the pack runs
// twenty times, and the median is printed (the plan itself is measured by plan-once.ts).

async function main() {
  const root = resolve(__dirname, "..", "..");
  const file = readStackFile(root, "local");
  const run = await runProgram({ stack: "local", config: file.config, secretKeys: file.secretKeys });
  const resources = toAnalyzed(run.resources);
  const config = loadPackConfig("local");
  const times: number[] = [];
  for (let i = 0; i < 20; i++) {
    const started = performance.now();
    analyze(resources, { config, stackTags: { "platform:environment": "local" } });
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  console.log(JSON.stringify({ medianMs: times[10], resources: resources.length }));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
