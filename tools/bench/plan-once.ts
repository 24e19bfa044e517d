// One cold plan in a fresh process, for the benchmark: prints a JSON line with the time spent
// loading the SDKs, evaluating the program, and the peak memory. Same code path as `npm run plan`.
import { resolve } from "node:path";
import { parseArgs } from "node:util";

// As tools/plan.ts does: no source-mapped stack traces (see there).
process.setSourceMapsEnabled(false);

async function main() {
  const { values } = parseArgs({
    options: { stack: { type: "string", default: "local" }, services: { type: "string" } },
    strict: true,
  });
  const t0 = performance.now();
  // Loaded here, not at the top, so their cost is measured on its own.
  require("@pulumi/pulumi");
  require("@pulumi/kubernetes");
  require("@pulumi/random");
  const { runProgram } = require("../plan/run") as typeof import("../plan/run");
  const { readStackFile } = require("../plan/stack-file") as typeof import("../plan/stack-file");
  const { generatedCatalog } = require("./generated-catalog") as typeof import("./generated-catalog");
  const importsMs = performance.now() - t0;

  const stack = values.stack ?? "local";
  const file = readStackFile(resolve(__dirname, "..", ".."), stack);
  const catalog = values.services ? generatedCatalog(Number(values.services)) : undefined;
  const run = await runProgram({
    stack,
    config: file.config,
    secretKeys: file.secretKeys,
    ...(catalog ? { catalog } : {}),
  });
  if (run.error) throw run.error;
  console.log(
    JSON.stringify({
      importsMs,
      evaluationMs: run.evaluationMs,
      resources: run.resources.length,
      peakRssMiB: process.resourceUsage().maxRSS / 1024,
    }),
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
