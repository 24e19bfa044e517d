import { type KubeList, kubectlJson } from "../lib/cluster";
import { migrationJobs, rec } from "../lib/platform";
import { tail } from "../lib/proc";
import { pulumi, pulumiMayFail } from "../lib/pulumi";
import { seconds } from "../lib/report";
import type { Environment } from "../lib/setup";
import { type LocalStack, phase, type Run, requireUp } from "./context";

// 4b. A new image of one service: its migration runs again, to completion, before the rollout.

/** The tag the image-update phase gives the content service. */
const UPDATED_TAG = "2026.11.4-e2e";

export async function imageUpdate(run: Run, env: Environment, stack: LocalStack): Promise<void> {
  const { cluster: kube, engine: eng, policyPack } = env;
  const { checks } = run;
  await phase(run, "pulumi up after changing one image tag (content)", async () => {
    requireUp(stack);
    const before = await migrationJobs(kube, "content");
    await pulumi(eng, [
      "config",
      "set",
      "--path",
      "platform:services.content.imageTag",
      UPDATED_TAG,
      "--stack",
      stack.name,
    ]);
    const update = await run.timed("pulumi up of one new image tag", () =>
      pulumiMayFail(
        eng,
        ["up", "--yes", "--non-interactive", "--skip-preview", "--stack", stack.name, ...policyPack],
        { timeoutMs: 10 * 60_000 },
      ),
    );
    if (
      !checks.that(
        update.code === 0,
        `update of content's image tag succeeded in ${seconds(update.ms)}`,
        tail(`${update.stdout}\n${update.stderr}`, 25),
      )
    )
      return;
    const after = await migrationJobs(kube, "content");
    const fresh = after.filter((j) => !before.some((b) => b.metadata.name === j.metadata.name));
    const job = fresh[0];
    const done = job ? rec(job.status).completionTime : undefined;
    checks.that(
      fresh.length === 1 && typeof done === "string" && after.length === 1,
      `a new migration Job (${job?.metadata.name ?? "none"}) ran to completion for the new image, and the previous one (${before.map((b) => b.metadata.name).join(", ")}) was removed`,
      `before: ${before.map((b) => b.metadata.name).join(", ")}; after: ${after.map((j) => `${j.metadata.name} (${typeof rec(j.status).completionTime === "string" ? "complete" : "not complete"})`).join(", ")}`,
    );
    const rollouts = (
      await kubectlJson<KubeList>(kube, [
        "get",
        "replicasets",
        "-n",
        "platform",
        "-l",
        "app.kubernetes.io/name=content",
      ])
    ).items.filter((rs) => JSON.stringify(rs.spec ?? {}).includes(`:${UPDATED_TAG}"`));
    const early = rollouts.filter(
      (rs) => typeof done !== "string" || Date.parse(rs.metadata.creationTimestamp) < Date.parse(done),
    );
    checks.that(
      rollouts.length > 0 && early.length === 0,
      `the ${rollouts.length} ReplicaSets running :${UPDATED_TAG} were created after that migration completed (${String(done)})`,
      rollouts.length === 0
        ? "no ReplicaSet runs the new image"
        : early.map((rs) => `${rs.metadata.name} created ${rs.metadata.creationTimestamp}`).join(", "),
    );
  });
}
