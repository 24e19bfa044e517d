import type { Environment } from "../lib/setup";
import { contractStep } from "../node/contract-step";
import { feasibility } from "../node/feasibility";
import { platformPoliciesOnRealPods } from "../node/policies-step";
import { type LocalStack, phase, type Run, requireUp } from "./context";

// The real node's steps (test/e2e/node/): before the platform, the feasibility step and the
// contract app on PostgreSQL and Redis; after the platform's `up`, its NetworkPolicies on real
// pods. Nothing runs when the set-up started no real node.

/** One restricted pod runs, gets an IP, resolves DNS; NetworkPolicies bite; then the contract app. */
export async function realNodeSteps(run: Run, env: Environment): Promise<void> {
  const { node, cluster } = env;
  if (!node) return;
  const io = { dir: run.tmp, logFile: run.logFile, log: run.log };
  await phase(
    run,
    "real node: feasibility (restricted pods, pod IPs, cluster DNS, NetworkPolicy enforced)",
    () =>
      run.timed("real node feasibility step", () =>
        feasibility(cluster, node, node.images.contractApp, run.checks, io),
      ),
  );
  const backing = env.backingImages;
  if (!backing) {
    run.notes.push(`real node: contract step SKIPPED (${env.backingImagesSkipped ?? "no backing images"})`);
    return;
  }
  await phase(run, "real node: the contract app on PostgreSQL and Redis (Debian-built images)", () =>
    run.timed("real node contract step", () =>
      contractStep(cluster, node, { app: node.images.contractApp, ...backing }, run.checks, io),
    ),
  );
}

/** The platform's NetworkPolicies, as created, on real traffic between real pods. */
export async function realNodePlatformPolicies(run: Run, env: Environment, stack: LocalStack): Promise<void> {
  const { node, cluster } = env;
  if (!node) return;
  await phase(run, "real node: the platform's NetworkPolicies on real pods", async () => {
    requireUp(stack);
    await run.timed("real node: platform NetworkPolicies on real pods", () =>
      platformPoliciesOnRealPods(cluster, node, node.images.contractApp, run.checks, {
        namespace: "platform",
        dir: run.tmp,
        logFile: run.logFile,
        log: run.log,
      }),
    );
  });
}
