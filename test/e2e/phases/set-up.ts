import { type Environment, setUp } from "../lib/setup";
import { phase, type Run } from "./context";

// 1-3. Toolchain, kwok cluster with the Gateway API CRDs, engine (and the real node's pieces, when
// this machine can run one: the node joins after the local stack's `up`).

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
  // The real node's note (joined, or skipped and why) comes from its phases (phases/real-node.ts).
  return env;
}
