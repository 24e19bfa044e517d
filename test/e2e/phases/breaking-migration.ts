import { join } from "node:path";
import { releaseGateName } from "../../../components/service/breaking-release";
import { loadCatalog } from "../../../infra/catalog/load";
import { type Cluster, type KubeList, type KubeObject, kubectlJson } from "../lib/cluster";
import { rec } from "../lib/platform";
import { E2EError, sleep, tail } from "../lib/proc";
import { pulumi, type pulumiMayFail, readSteps, type StepEvent, urnName } from "../lib/pulumi";
import { seconds } from "../lib/report";
import type { Environment } from "../lib/setup";
import {
  finalObjects,
  type History,
  heldDuring,
  histories,
  type KindWatch,
  startWatch,
  uidOf,
  type WatchEvent,
} from "../lib/watch";
import { type LocalStack, phase, type Run, requireUp } from "./context";
import { updateLocalStack } from "./update";

// 4c. A breaking schema change without overlap (`database.schemaChanges: breaking`, design in
// components/service/breaking-release.ts): a new image of such a service, and `pulumi up`. While
// it runs, the e2e watches the service's Pods, ReplicaSets, Deployments and Jobs on the API
// server, every event with its etcd revision, and then proves from those events that
//   - every pod of the old image was gone before the new migration Job was created, and no pod of
//     the old image (migration pods included) was Running between the Job's creation and its
//     completion;
//   - the new Deployment, its ReplicaSet and their pods were created after the Job completed;
// and from the engine's event log that the steps ran in that order: the old Deployments deleted,
// then the release gate replaced, then the Job created and finished, then the Deployments created.

/** The tag the phase gives the breaking-schema service. */
const BREAKING_TAG = "2026.11.5-e2e-breaking";
const NAMESPACE = "platform";

/** The first catalog service whose schema changes are breaking. */
function breakingService(): string {
  const spec = loadCatalog().services.find((s) => s.database?.schemaChanges === "breaking");
  if (!spec) throw new E2EError("no catalog service declares database.schemaChanges: breaking");
  return spec.name;
}

/** The images of a Pod, or of the pod template of a workload. */
function imagesOf(o: KubeObject): string[] {
  const spec = rec(o.spec?.containers ? o.spec : rec(o.spec?.template).spec);
  return ["containers", "initContainers"].flatMap((k) => {
    const list = spec[k];
    return Array.isArray(list) ? list.map((c) => String(rec(c).image)) : [];
  });
}

const finalObjectsOf = (w: KindWatch) => [...finalObjects(w).values()];
const ownerKind = (o: KubeObject) => o.metadata.ownerReferences?.[0]?.kind;
const isComplete = (job: KubeObject) => {
  const c = rec(job.status).conditions;
  return Array.isArray(c) && c.some((x) => rec(x).type === "Complete" && rec(x).status === "True");
};

export async function breakingMigration(run: Run, env: Environment, stack: LocalStack): Promise<void> {
  const service = breakingService();
  await phase(run, `pulumi up of a new image of ${service} (database.schemaChanges: breaking)`, async () => {
    requireUp(stack);
    const { cluster: kube, engine: eng } = env;
    const selector = `app.kubernetes.io/name=${service}`;
    const deployments = await kubectlJson<KubeList>(kube, [
      "get",
      "deployments",
      "-n",
      NAMESPACE,
      "-l",
      selector,
    ]);
    const imagesBefore = new Set(deployments.items.flatMap(imagesOf));
    if (imagesBefore.size === 0) throw new E2EError(`no Deployment labelled ${selector} in ${NAMESPACE}`);
    const isNew = (image: string) => image.endsWith(`:${BREAKING_TAG}`);
    const ofNew = (o: KubeObject) => imagesOf(o).some(isNew);

    const watches = await watchService(kube, selector, run.logFile);
    const started = Date.now();
    const events = join(run.tmp, "breaking.events.jsonl");
    let update: Awaited<ReturnType<typeof pulumiMayFail>>;
    try {
      await pulumi(eng, [
        "config",
        "set",
        "--path",
        `platform:services.${service}.imageTag`,
        BREAKING_TAG,
        "--stack",
        stack.name,
      ]);
      update = await run.timed(`pulumi up of a new image of ${service} (breaking)`, () =>
        updateLocalStack(env, stack, events, 15 * 60_000),
      );
      // The last events of the update reach the watches.
      await sleep(2_000);
    } finally {
      for (const w of Object.values(watches)) await w.stop();
    }
    const { checks } = run;
    if (
      !checks.that(
        update.code === 0,
        `breaking: update of ${service}'s image tag succeeded in ${seconds(update.ms)}`,
        tail(`${update.stdout}\n${update.stderr}`, 25),
      )
    )
      return;
    await checkWatchesComplete(run, watches);

    // The old image: what the service's pod templates ran before and no longer run.
    const imagesAfter = new Set(finalObjectsOf(watches.deployments).flatMap(imagesOf));
    const oldImages = new Set([...imagesBefore].filter((i) => !imagesAfter.has(i)));
    const ofOld = (o: KubeObject) => imagesOf(o).some((i) => oldImages.has(i));
    const at = (e: WatchEvent | undefined) => (e ? `+${seconds(e.receivedAt - started)}` : "?");
    const byRevision = (list: WatchEvent[], revision: number | undefined) =>
      list.find((e) => e.revision === revision);
    const allEvents = Object.values(watches).flatMap((w) => w.events);

    // The new migration Job: created, then complete.
    const job = histories(watches.jobs).find((h) => !h.initially && h.addedAt !== undefined && ofNew(h.last));
    const created = job?.addedAt;
    const completed = job?.events.find((e) => e.type !== "DELETED" && isComplete(e.object))?.revision;
    if (
      !checks.that(
        job !== undefined && created !== undefined && completed !== undefined,
        `breaking: a new migration Job ${job?.last.metadata.name ?? ""} for :${BREAKING_TAG} was created (${at(byRevision(allEvents, created))}, revision ${created}) and completed (${at(byRevision(allEvents, completed))}, revision ${completed})`,
        job ? "it never completed" : "no Job of the new image was created during the update",
      ) ||
      !job ||
      created === undefined ||
      completed === undefined
    )
      return;

    // Old pods: every workload pod of the old image gone before the Job; none Running during it.
    const pods = histories(watches.pods);
    const oldWorkloadPods = pods.filter((h) => ownerKind(h.last) === "ReplicaSet" && ofOld(h.last));
    const lingering = oldWorkloadPods.filter((h) => h.deletedAt === undefined || h.deletedAt > created);
    const lastGone = Math.max(...oldWorkloadPods.map((h) => h.deletedAt ?? Number.POSITIVE_INFINITY));
    checks.that(
      oldWorkloadPods.length > 0 && oldWorkloadPods.every((h) => h.initially) && lingering.length === 0,
      `breaking: all ${oldWorkloadPods.length} pods of the old image (${[...oldImages].join(", ")}) were deleted before the Job was created (the last at ${at(byRevision(watches.pods.events, lastGone))}, revision ${lastGone} < ${created}); none was created during the update`,
      oldWorkloadPods.length === 0
        ? "no pod of the old image existed when the update started: nothing was proven"
        : [
            ...lingering.map(
              (h) =>
                `${h.last.metadata.name} ${h.deletedAt === undefined ? "never deleted" : `deleted at revision ${h.deletedAt}`}`,
            ),
            ...oldWorkloadPods
              .filter((h) => !h.initially)
              .map((h) => `${h.last.metadata.name} created during the update`),
          ].join(", "),
    );
    const running = (o: KubeObject) => rec(o.status).phase === "Running";
    const overlap = pods.filter((h) => ofOld(h.last) && heldDuring(h, created, completed, running));
    checks.that(
      overlap.length === 0,
      `breaking: no pod of the old image (of ${pods.filter((h) => ofOld(h.last)).length} seen, migration pods included) was Running between the Job's creation and its completion (revisions ${created}..${completed})`,
      overlap.map((h) => h.last.metadata.name).join(", "),
    );

    // New workloads: Deployment, ReplicaSet and pods after the Job completed.
    const fresh = (w: KindWatch, test: (h: History) => boolean) =>
      histories(w).filter((h) => !h.initially && h.addedAt !== undefined && test(h));
    const newDeployments = fresh(watches.deployments, (h) => ofNew(h.last));
    const newReplicaSets = fresh(watches.replicaSets, (h) => ofNew(h.last));
    const newPods = fresh(watches.pods, (h) => ownerKind(h.last) === "ReplicaSet" && ofNew(h.last));
    const early = [...newDeployments, ...newReplicaSets, ...newPods].filter(
      (h) => (h.addedAt ?? 0) <= completed,
    );
    const done = String(rec(job.last.status).completionTime);
    const beforeCompletionTime = newReplicaSets.filter(
      (h) => Date.parse(h.last.metadata.creationTimestamp) < Date.parse(done),
    );
    const first = Math.min(...newReplicaSets.map((h) => h.addedAt ?? Number.POSITIVE_INFINITY));
    checks.that(
      newDeployments.length > 0 &&
        newReplicaSets.length > 0 &&
        newPods.length > 0 &&
        early.length === 0 &&
        beforeCompletionTime.length === 0,
      `breaking: the ${newDeployments.length} new Deployments, ${newReplicaSets.length} ReplicaSets and ${newPods.length} pods of :${BREAKING_TAG} were created after the Job completed (first ReplicaSet at ${at(byRevision(watches.replicaSets.events, first))}, revision ${first} > ${completed}; creationTimestamp ≥ completionTime ${done})`,
      `new Deployments ${newDeployments.length}, ReplicaSets ${newReplicaSets.length}, pods ${newPods.length}; too early: ${[...early, ...beforeCompletionTime].map((h) => `${h.last.kind} ${h.last.metadata.name} (revision ${h.addedAt}, created ${h.last.metadata.creationTimestamp})`).join(", ")}`,
    );
    const oldDeployments = histories(watches.deployments).filter((h) => h.initially);
    checks.that(
      oldDeployments.length > 0 &&
        oldDeployments.every(
          (h) => h.deletedAt !== undefined && h.deletedAt < created && h.deletedAt > lastGone,
        ),
      `breaking: the ${oldDeployments.length} Deployments of the old image were deleted after their last pod (foreground deletion) and before the Job was created`,
      oldDeployments
        .map(
          (h) =>
            `${h.last.metadata.name}: ${h.deletedAt === undefined ? "not deleted" : `deleted at revision ${h.deletedAt}`}`,
        )
        .join(", "),
    );

    checkEngineOrder(run, service, readSteps(events));
  });
}

async function watchService(kube: Cluster, labelSelector: string, logFile: string) {
  const base = `namespaces/${NAMESPACE}`;
  const [pods, replicaSets, deployments, jobs] = await Promise.all([
    startWatch(kube, { kind: "Pod", path: `/api/v1/${base}/pods`, labelSelector }, logFile),
    startWatch(
      kube,
      { kind: "ReplicaSet", path: `/apis/apps/v1/${base}/replicasets`, labelSelector },
      logFile,
    ),
    startWatch(
      kube,
      { kind: "Deployment", path: `/apis/apps/v1/${base}/deployments`, labelSelector },
      logFile,
    ),
    startWatch(kube, { kind: "Job", path: `/apis/batch/v1/${base}/jobs`, labelSelector }, logFile),
  ]);
  return { pods, replicaSets, deployments, jobs };
}

/** The watches missed nothing: what their lists and events add up to is what the API server lists now. */
async function checkWatchesComplete(run: Run, watches: Record<string, KindWatch>): Promise<void> {
  const differences: string[] = [];
  for (const w of Object.values(watches)) {
    const expected = new Set(finalObjects(w).keys());
    const actual = new Set((await w.relist()).map(uidOf));
    for (const uid of expected)
      if (!actual.has(uid)) differences.push(`a ${w.kind} the watch has, not listed now`);
    for (const uid of actual)
      if (!expected.has(uid)) differences.push(`a ${w.kind} listed now, missed by the watch`);
  }
  const events = Object.values(watches).reduce((n, w) => n + w.events.length, 0);
  run.checks.that(
    events > 0 && differences.length === 0,
    `breaking: the watches recorded ${events} events (${Object.values(watches)
      .map((w) => `${w.kind} ${w.events.length}`)
      .join(", ")}) and end where the API server's lists do`,
    differences.join(", ") || "no event recorded",
  );
}

/** The engine's own record: old Deployments deleted, gate replaced, Job run, Deployments created. */
function checkEngineOrder(run: Run, service: string, steps: StepEvent[]): void {
  const of = (type: string) => (s: StepEvent) => s.type === type && urnName(s.urn).startsWith(`${service}-`);
  const seq = (list: StepEvent[], op: string, phaseName: StepEvent["phase"]) =>
    list.filter((s) => s.op === op && s.phase === phaseName).map((s) => s.sequence);
  const deployments = steps.filter(of("kubernetes:apps/v1:Deployment"));
  const gate = steps.filter((s) => urnName(s.urn) === releaseGateName(service));
  const jobs = steps.filter(of("kubernetes:batch/v1:Job"));
  const deleted = seq(deployments, "delete-replaced", "outputs");
  const recreated = seq(deployments, "create-replacement", "pre");
  const gateDeleted = seq(gate, "delete-replaced", "outputs");
  const jobStarted = seq(jobs, "create-replacement", "pre");
  const jobDone = seq(jobs, "create-replacement", "outputs");
  const order = [
    ["old Deployments deleted", Math.max(...deleted)],
    ["release gate deleted", Math.min(...gateDeleted)],
    ["migration Job create started", Math.min(...jobStarted)],
    ["migration Job created and complete", Math.max(...jobDone)],
    ["Deployments create started", Math.min(...recreated)],
  ] as const;
  const inOrder = order.every(([, n], i) => Number.isFinite(n) && (i === 0 || n > (order[i - 1]?.[1] ?? 0)));
  run.checks.that(
    deleted.length > 0 && deleted.length === recreated.length && inOrder,
    `breaking: the engine's event log has the steps in order: ${order.map(([what, n]) => `${what} (#${n})`).join(" < ")}`,
    `steps of ${service}: ${[...deployments, ...gate, ...jobs].map((s) => `#${s.sequence} ${s.phase} ${s.op} ${urnName(s.urn)}`).join(", ")}`,
  );
}
