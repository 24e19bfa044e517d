import { E2EError } from "../lib/proc";
import type { Checks } from "../lib/report";
import type { Environment } from "../lib/setup";
import { httpCacheOnRealPods } from "./cache-step";
import { contractStep } from "./contract-step";
import { feasibility } from "./feasibility";
import { platformPoliciesOnRealPods } from "./policies-step";
import { rollbackOnRealPods } from "./rollback-step";

// The e2e's real-node phases, in one place: the node joins once the main stack is up (so that no
// `pulumi up` runs while it is in the cluster: see Environment.joinRealNode), runs its steps, and
// leaves before the next stack operation. README: "The real node".

export interface RealNodePhasesContext {
  env: Environment;
  checks: Checks;
  /** Runs one named phase: an exception fails it and the run goes on. */
  phase: (name: string, fn: () => Promise<void>) => Promise<boolean>;
  timed: <T>(label: string, fn: () => Promise<T>) => Promise<T>;
  /** Lines the summary repeats. */
  notes: string[];
  /** The main stack is up: the steps that read its objects can run. */
  mainUp: boolean;
  /** The main stack's services namespace. */
  namespace: string;
  tmp: string;
  logFile: string;
  log: (message: string) => void;
  runId: string;
}

export async function realNodePhases(c: RealNodePhasesContext): Promise<void> {
  const { env, checks, phase, timed, notes, tmp: dir, logFile, log } = c;
  const join = env.joinRealNode;
  if (!join) {
    notes.push(`real node: SKIPPED (${env.nodeSkipped ?? "not started"}): no container ran in this run`);
    return;
  }
  const kube = env.cluster;
  let node: Awaited<ReturnType<typeof join>> | undefined;
  await phase("real node: join the cluster", async () => {
    node = await join();
  });
  if (!node) return;
  const joined = node;
  notes.push(`real node ${joined.name}: joined at ${joined.ip}`);
  const o = { dir, logFile, log };
  try {
    await phase(
      "real node: feasibility (restricted pods, pod IPs, cluster DNS, NetworkPolicy enforced)",
      () =>
        timed("real node feasibility step", () =>
          feasibility(kube, joined, joined.images.contractApp, checks, o),
        ),
    );
    const backing = env.backingImages;
    if (backing) {
      await phase("real node: the contract app on PostgreSQL and Redis (Debian-built images)", () =>
        timed("real node contract step", () =>
          contractStep(kube, joined, { app: joined.images.contractApp, ...backing }, checks, o),
        ),
      );
    } else {
      notes.push(
        `real node: contract, HTTP cache and rollback steps SKIPPED (${env.backingImagesSkipped ?? "no backing images"})`,
      );
    }
    const needsStack = (): void => {
      if (!c.mainUp) throw new E2EError("skipped: the first up failed");
    };
    await phase("real node: the platform's NetworkPolicies on real pods", async () => {
      needsStack();
      await timed("real node: platform NetworkPolicies on real pods", () =>
        platformPoliciesOnRealPods(kube, joined, joined.images.contractApp, checks, {
          namespace: c.namespace,
          ...o,
        }),
      );
    });
    if (backing) {
      await phase(
        "real node: the platform's HTTP cache tier on real pods (hit, refused purge, purge)",
        async () => {
          needsStack();
          await timed("real node: HTTP cache on real pods", () =>
            httpCacheOnRealPods(
              kube,
              joined,
              { app: joined.images.contractApp, varnish: backing.varnish },
              checks,
              { namespace: c.namespace, ...o },
            ),
          );
        },
      );
    }
    if (backing) {
      await phase(
        "real node: a broken release detected by npm run verify and rolled back (stacks/rollback)",
        () =>
          rollbackOnRealPods(kube, env.engine, joined, checks, {
            policyPack: env.policyPack,
            runId: c.runId,
            timed,
            ...o,
          }),
      );
    }
  } finally {
    await phase("real node: leave the cluster", () => timed("real node leave", () => joined.stop()));
  }
}
