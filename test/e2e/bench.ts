import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type KubeList, kubectl, kubectlJson } from "./lib/cluster";
import { e2eStackFile, objectsLeft, PART_OF } from "./lib/platform";
import { E2EError, onCleanup, tail } from "./lib/proc";
import { initTemporaryStack, pulumi, pulumiMayFail } from "./lib/pulumi";
import { elapsed, median, seconds, type Timing } from "./lib/report";
import { closeSessionWith, openSession } from "./lib/session";
import { setUp } from "./lib/setup";
import { ROOT } from "./lib/toolchain";
import { timePodReady } from "./node/feasibility";
import { benchPlatformOnRealPods } from "./node/platform-bench";
import { realPodsStack, stackImages, withUpdateTag, writeRealPodsStackFile } from "./node/platform-step";

// `npm run bench:e2e`: wall time, on the real engine and a kwok cluster, of
//   up      the whole platform (local stack) from an empty cluster until every workload is Ready,
//   update  one image tag changed (platform:services.content.imageTag): new migration Job, then
//           the content Deployments roll,
//   destroy everything,
// each `pulumi up|destroy --yes --skip-preview` with the policy pack and its config, as CI runs
// them; E2E_BENCH_RUNS runs (default 3), median printed. Set-up (toolchain, cluster) not counted.
// Then, where this machine runs a real node: one restricted pod from create to Ready, and the same
// figures for the whole platform on real pods (node/platform-bench.ts), plus one service alone
// (`platform:only`) and where the time of each whole-platform up went.

const runs = Number.parseInt(process.env.E2E_BENCH_RUNS ?? "3", 10);
const session = openSession("bench");
const { runId, logFile, tmp, log } = session;

async function main(): Promise<number> {
  const setupTimings: Timing[] = [];
  const env = await setUp({ runId, tmp, logFile, log, timings: setupTimings });
  const { cluster, engine, policyPack } = env;

  const stack = `e2e-bench-${runId}`;
  const stackFile = join(ROOT, "stacks", `Pulumi.${stack}.yaml`);
  writeFileSync(stackFile, e2eStackFile(cluster.context));
  await initTemporaryStack(engine, stack, { configFile: stackFile });
  const op = async (args: string[]) => {
    const r = await pulumiMayFail(
      engine,
      [...args, "--yes", "--non-interactive", "--skip-preview", "--stack", stack],
      {
        timeoutMs: 25 * 60_000,
      },
    );
    if (r.code !== 0)
      throw new E2EError(`pulumi ${args[0]} failed:\n${tail(`${r.stdout}\n${r.stderr}`, 30)}`);
    return r.ms;
  };
  const deploymentsReady = async (): Promise<number> => {
    const list = await kubectlJson<KubeList>(cluster, ["get", "deployments", "-A", "-l", PART_OF]);
    // Rolled out as the engine's await logic means it: the current generation observed and all
    // replicas updated and available. Right after a rolling update the old pod may still be
    // terminating (preStop delay), so ready replicas can briefly exceed the spec: not a failure.
    const notReady = list.items.filter((d) => {
      const s = (d.status ?? {}) as {
        observedGeneration?: number;
        updatedReplicas?: number;
        availableReplicas?: number;
      };
      const want = ((d.spec ?? {}) as { replicas?: number }).replicas ?? 1;
      return (
        (s.observedGeneration ?? 0) < (d.metadata.generation ?? 1) ||
        (s.updatedReplicas ?? 0) < want ||
        (s.availableReplicas ?? 0) < want
      );
    });
    if (list.items.length === 0 || notReady.length > 0) {
      throw new E2EError(
        `not ready after up: ${notReady.map((d) => d.metadata.name).join(", ") || "no Deployments"}`,
      );
    }
    return list.items.length;
  };

  const ups: number[] = [];
  const updates: number[] = [];
  const destroys: number[] = [];
  for (let i = 1; i <= runs; i++) {
    await pulumiMayFail(engine, [
      "config",
      "rm",
      "--path",
      "platform:services.content.imageTag",
      "--stack",
      stack,
    ]);
    const up = await op(["up", ...policyPack]);
    const deployments = await deploymentsReady();
    ups.push(up);
    log(`run ${i}/${runs}: up ${seconds(up)} (${deployments} Deployments Ready)`);

    const tag = `2026.11.4-bench${i}`;
    await pulumi(engine, [
      "config",
      "set",
      "--path",
      "platform:services.content.imageTag",
      tag,
      "--stack",
      stack,
    ]);
    const update = await op(["up", ...policyPack]);
    await deploymentsReady();
    const image = await kubectl(cluster, [
      "get",
      "deployment",
      "-n",
      "platform",
      "content",
      "-o",
      "jsonpath={.spec.template.spec.containers[0].image}",
    ]);
    if (!image.stdout.endsWith(`:${tag}`)) throw new E2EError(`content runs ${image.stdout}, not tag ${tag}`);
    updates.push(update);
    log(`run ${i}/${runs}: update of one image tag ${seconds(update)} (content now ${image.stdout})`);

    const destroy = await op(["destroy"]);
    const left = await objectsLeft(cluster);
    if (left.length > 0) throw new E2EError(`left after destroy: ${left.join(", ")}`);
    destroys.push(destroy);
    log(`run ${i}/${runs}: destroy ${seconds(destroy)}`);
  }

  const row = (label: string, values: number[]) =>
    `  ${label.padEnd(34)} median ${seconds(median(values)).padStart(8)}   runs: ${values.map(seconds).join(", ")}`;
  log(`== benchmark (${runs} runs, pulumi ${env.toolchain.pulumiVersion}, kwok cluster, policy pack on)`);
  log(row("up (empty -> all Ready)", ups));
  log(row("update (one image tag)", updates));
  log(row("destroy", destroys));
  if (env.joinRealNode) {
    // After the kwok runs: no `pulumi up` of the kwok stack while the real node is in the cluster
    // (setup.ts says why). The whole platform's stack is written first: the node imports its images.
    const overrides = { ...(env.backingImages ?? {}), ...(env.standinImages ?? {}) };
    const real = realPodsStack(`bench-${runId}`);
    onCleanup(`stack file of ${real.name}`, () => rmSync(real.file, { force: true }));
    writeRealPodsStackFile(real, cluster.context, overrides);
    const { images, updated } = withUpdateTag(await stackImages(real.name, "app", logFile));
    const foreign = (await stackImages(real.name, "third-party", logFile)).filter(
      (i) => !Object.values(overrides).includes(i),
    );
    const node = await env.joinRealNode(images);
    try {
      const pods = await timePodReady(cluster, node.images.contractApp, runs, { dir: tmp, logFile });
      log(`== real node ${node.name} (containerd, kubelet, image pre-loaded)`);
      log(row("one restricted pod: create -> Ready", pods));
      if (foreign.length > 0 || !updated) {
        log(
          `== whole platform on real pods: SKIPPED (not built here: ${foreign.join(", ") || "no app image"})`,
        );
      } else {
        const f = await benchPlatformOnRealPods(cluster, engine, {
          stack: real,
          updatedImage: updated,
          policyPack,
          runs,
          dir: tmp,
          logFile,
          log,
        });
        log(`== whole platform on real pods (${runs} runs, ${node.name}, images pre-loaded, policy pack on)`);
        log(row("up (empty -> all Ready)", f.up));
        log(row(`update (one image tag: ${f.service})`, f.update));
        log(row("destroy", f.destroy));
        log(row(`up of ${f.service} alone (platform:only)`, f.oneServiceUp));
        log(row(`destroy of ${f.service} alone`, f.oneServiceDestroy));
        log("  where the whole-platform up went (medians over runs; API timestamps, 1 s resolution):");
        const m = (pick: (t: (typeof f.timelines)[number]) => number | undefined) =>
          `${median(f.timelines.map(pick).filter((v): v is number => v !== undefined)).toFixed(1)} s`;
        log(`    engine + API until the first pod exists   ${m((t) => t.untilFirstPod)}`);
        log(`    per pod: created -> scheduled              ${m((t) => t.scheduling)}`);
        log(`    per pod: scheduled -> containers started   ${m((t) => t.containerStart)}`);
        log(`    per pod: started -> Ready (probes)         ${m((t) => t.readiness)}`);
        log(
          `    migration Jobs: created -> complete        ${m((t) => t.migrations.median)} (longest ${m((t) => t.migrations.longest)})`,
        );
        log(`    last pod Ready after the start of up       ${m((t) => t.lastReady)}`);
      }
    } finally {
      await node.stop();
    }
  } else {
    log(`== real node: SKIPPED (${env.nodeSkipped ?? "not started"})`);
  }
  for (const t of setupTimings) log(`  set-up: ${t.label} ${seconds(t.ms)}`);
  log(`total ${elapsed()}`);
  return 0;
}

closeSessionWith(session, main(), (error: unknown) => {
  log(`FAILED: ${error instanceof E2EError ? error.message : ((error as Error).stack ?? String(error))}`);
  return 1;
});
