import type { Environment } from "../lib/setup";
import { ROOT } from "../lib/toolchain";
import { realNodePhases } from "../node/phases";
import { type LocalStack, phase, type Run } from "./context";
import { verifySecretsStaySecret } from "./secrets-stay-secret";

// The real node's phases (test/e2e/node/phases.ts): it joins once the local stack is up, runs its
// steps (restricted pods, DNS, NetworkPolicies enforced, the contract app on PostgreSQL/Redis, the
// platform's NetworkPolicies and HTTP cache on real pods, a broken release rolled back) and leaves
// before the next stack operation. Nothing runs when the set-up started no real node.

export async function realNode(run: Run, env: Environment, stack: LocalStack): Promise<void> {
  await realNodePhases({
    env,
    checks: run.checks,
    phase: (name, fn) => phase(run, name, fn),
    timed: run.timed,
    notes: run.notes,
    mainUp: stack.up,
    namespace: "platform",
    tmp: run.tmp,
    logFile: run.logFile,
    log: run.log,
    runId: run.runId,
    searchSecrets: async (name, places, namespaces) => {
      await verifySecretsStaySecret(run, env, {
        label: `whole platform on real pods (${name})`,
        stack: name,
        cwd: ROOT,
        namespaces,
        places,
      });
    },
  });
}
