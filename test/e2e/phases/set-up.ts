import { type Environment, setUp } from "../lib/setup";
import { phase, type Run } from "./context";

// 1-3. Toolchain, kwok cluster with the Gateway API CRDs, engine (and the real node, when this
// machine can run one).

export async function setUpPhase(run: Run): Promise<Environment | undefined> {
  let env: Environment | undefined;
  await phase(run, "set-up: toolchain, kwok cluster, Gateway API CRDs, engine", async () => {
    env = await setUp({
      runId: run.runId,
      tmp: run.tmp,
      logFile: run.logFile,
      log: run.log,
      timings: run.timings,
    });
  });
  if (env) {
    run.notes.push(
      env.node
        ? `real node ${env.node.name}: joined at ${env.node.ip}`
        : `real node: SKIPPED (${env.nodeSkipped ?? "not started"}): no container ran in this run`,
    );
  }
  return env;
}
