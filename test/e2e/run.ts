import { closeSessionWith } from "./lib/session";
import { breakingMigration } from "./phases/breaking-migration";
import { localStack, openRun, summary } from "./phases/context";
import { destroyLocalStack } from "./phases/destroy";
import { ephemeralPair } from "./phases/ephemeral-pair";
import { imageUpdate } from "./phases/image-update";
import { localStackUp } from "./phases/local-up";
import { readmeLocalPath } from "./phases/readme-local-path";
import { realNode } from "./phases/real-node";
import { secretRotation } from "./phases/secret-rotation";
import { setUpPhase } from "./phases/set-up";
import { unsafePreview } from "./phases/unsafe-preview";

// `npm run test:e2e`: the platform on the real engine. Builds (or reuses) the toolchain, starts a
// kwok cluster, deploys the `local` stack with the policy pack, checks the cluster, updates it (a
// new image, a breaking migration without overlap, a secret rotation), proves the
// analyzer rejects an unsafe program, runs two ephemeral stacks through `npm run ephemeral`,
// destroys everything and checks nothing is left, then runs the README's local path as written on
// the same cluster. One file per phase under phases/; a failed
// phase is a failed check and the run goes on. See test/e2e/README.md.

const run = openRun();

async function main(): Promise<number> {
  run.log(`run ${run.runId}: temporary files in ${run.tmp}, logs in ${run.logDir}`);
  const env = await setUpPhase(run);
  if (!env) return summary(run);

  const stack = localStack(run.runId);
  await localStackUp(run, env, stack);
  // With a real node, the ephemeral pair runs there (after the whole platform on real pods).
  const { ephemeralDone } = await realNode(run, env, stack);
  await imageUpdate(run, env, stack);
  await breakingMigration(run, env, stack);
  await secretRotation(run, env, stack);

  await unsafePreview(run, env);
  if (!ephemeralDone) await ephemeralPair(run, env);
  await destroyLocalStack(run, env, stack);
  // After the destroy: the README's stack deploys the same namespaces as the e2e's own.
  await readmeLocalPath(run, env);
  return summary(run);
}

closeSessionWith(run, main(), (error: unknown) => {
  run.checks.fail(`unexpected error: ${(error as Error).stack ?? String(error)}`);
  return summary(run);
});
