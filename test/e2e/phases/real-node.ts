import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import type { Environment } from "../lib/setup";
import { ROOT } from "../lib/toolchain";
import { realNodePhases } from "../node/phases";
import { type LocalStack, phase, type Run } from "./context";
import { ephemeralAppImages, ephemeralPair } from "./ephemeral-pair";
import { verifySecretsStaySecret } from "./secrets-stay-secret";

// The real node's phases (test/e2e/node/phases.ts): it joins once the local stack is up, runs its
// steps (restricted pods, DNS, NetworkPolicies enforced, the contract app on PostgreSQL/Redis, the
// platform's NetworkPolicies and HTTP cache on real pods, a broken release rolled back) and leaves
// before the next stack operation. Nothing runs when the set-up started no real node.

/** Resolves to whether the ephemeral pair ran on the real node (then it does not run again on kwok). */
export async function realNode(
  run: Run,
  env: Environment,
  stack: LocalStack,
): Promise<{ ephemeralDone: boolean }> {
  let ephemeralDone = false;
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
    ephemeral: {
      appImages: () => ephemeralAppImages(run.logFile),
      run: async (node, overrides) => {
        ephemeralDone = true;
        await ephemeralPair(run, env, { node, overrides, requestScale: localRequestScale() });
      },
    },
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
  return { ephemeralDone };
}

/** The local stack's `platform:requestScale` (the ephemeral pipelines on the real node take it too). */
function localRequestScale(): number {
  const doc = parse(readFileSync(join(ROOT, "stacks", "Pulumi.local.yaml"), "utf8")) as {
    config?: Record<string, unknown>;
  };
  const v = doc.config?.["platform:requestScale"];
  return typeof v === "number" ? v : 1;
}
