import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { type KubeList, kubectl, kubectlJson } from "./lib/cluster";
import { e2eStackFile, objectsLeft, PART_OF } from "./lib/platform";
import { E2EError, tail } from "./lib/proc";
import { initTemporaryStack, pulumi, pulumiMayFail } from "./lib/pulumi";
import { elapsed, median, seconds, type Timing } from "./lib/report";
import { closeSessionWith, openSession } from "./lib/session";
import { setUp } from "./lib/setup";
import { ROOT } from "./lib/toolchain";
import { timePodReady } from "./node/feasibility";

// `npm run bench:e2e`: wall time, on the real engine and a kwok cluster, of
//   up      the whole platform (local stack) from an empty cluster until every workload is Ready,
//   update  one image tag changed (platform:services.content.imageTag): new migration Job, then
//           the content Deployments roll,
//   destroy everything,
// each `pulumi up|destroy --yes --skip-preview` with the policy pack and its config, as CI runs
// them; E2E_BENCH_RUNS runs (default 3), median printed. Set-up (toolchain, cluster) not counted.

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
    // After the stack runs: no `pulumi up` while the real node is in the cluster (setup.ts says why).
    const node = await env.joinRealNode();
    try {
      const pods = await timePodReady(cluster, node.images.contractApp, runs, { dir: tmp, logFile });
      log(`== real node ${node.name} (containerd, kubelet, image pre-loaded)`);
      log(row("one restricted pod: create -> Ready", pods));
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
