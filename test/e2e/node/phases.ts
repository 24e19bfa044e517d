import { rmSync } from "node:fs";
import { E2EError, onCleanup } from "../lib/proc";
import type { Checks } from "../lib/report";
import type { Environment } from "../lib/setup";
import { httpCacheOnRealPods } from "./cache-step";
import { contractStep } from "./contract-step";
import { feasibility } from "./feasibility";
import type { RealNode } from "./index";
import {
  platformOnRealPods,
  type RealPodsStack,
  realPodsStack,
  stackImages,
  withUpdateTag,
  writeRealPodsStackFile,
} from "./platform-step";
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
  /**
   * Two ephemeral pipelines on the node, after the whole platform (phases/ephemeral-pair.ts): the
   * app images they run (imported when the node joins), and the phase itself.
   */
  ephemeral?: {
    appImages: () => Promise<string[]>;
    run: (node: RealNode, overrides: Readonly<Record<string, string>>) => Promise<void>;
  };
  /** The secret search of the other phases over `stack`, with more places (the whole-platform step). */
  searchSecrets: (
    stack: string,
    places: { label: string; text: string }[],
    namespaces: string[],
  ) => Promise<void>;
}

export async function realNodePhases(c: RealNodePhasesContext): Promise<void> {
  const { env, checks, phase, timed, notes, tmp: dir, logFile, log } = c;
  const join = env.joinRealNode;
  if (!join) {
    notes.push(`real node: SKIPPED (${env.nodeSkipped ?? "not started"}): no container ran in this run`);
    return;
  }
  const kube = env.cluster;
  // The whole platform's stack is written before the node joins: the node imports its images.
  let realPods: { stack: RealPodsStack; images: string[]; updated?: string } | undefined;
  const overrides = { ...(env.backingImages ?? {}), ...(env.standinImages ?? {}) };
  if (!c.mainUp) {
    notes.push("real node: the whole platform on real pods SKIPPED (the first up failed)");
  } else {
    await phase("real node: the whole platform's stack and the images it runs", async () => {
      const stack = realPodsStack(c.runId);
      onCleanup(`stack file of ${stack.name}`, () => rmSync(stack.file, { force: true }));
      writeRealPodsStackFile(stack, kube.context, overrides);
      const { images, updated } = withUpdateTag(await stackImages(stack.name, "app", logFile));
      if (c.ephemeral) images.push(...(await c.ephemeral.appImages()));
      realPods = { stack, images, ...(updated ? { updated } : {}) };
      log(
        `real node: the whole platform (${stack.name}) runs ${images.length} app images (the contract app)`,
      );
    });
  }
  let node: Awaited<ReturnType<typeof join>> | undefined;
  await phase("real node: join the cluster", async () => {
    node = await join(realPods?.images ?? []);
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
    const prepared = realPods;
    if (prepared) {
      await phase(
        "real node: the whole platform on real pods (every service, backing service and log pipeline)",
        () =>
          platformOnRealPods(kube, env.engine, joined, checks, {
            stack: prepared.stack,
            policyPack: env.policyPack,
            ...(prepared.updated ? { updatedImage: prepared.updated } : {}),
            imported: Object.values(overrides),
            timed,
            notes,
            searchSecrets: (places, namespaces) => c.searchSecrets(prepared.stack.name, places, namespaces),
            ...o,
          }),
      );
    }
    if (prepared && c.ephemeral) await c.ephemeral.run(joined, overrides);
  } finally {
    await phase("real node: leave the cluster", () => timed("real node leave", () => joined.stop()));
  }
}
