import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { CREDENTIALS_VERSION_ANNOTATION } from "../../../components/service/app-settings";
import { type Cluster, type KubeList, type KubeObject, kubectlJson } from "../lib/cluster";
import { rec, stateNamespaces } from "../lib/platform";
import { tail } from "../lib/proc";
import { exportState } from "../lib/pulumi";
import { seconds } from "../lib/report";
import { readmeRotation, setWithReadmeCommand } from "../lib/rotation-command";
import type { Environment } from "../lib/setup";
import { type LocalStack, phase, type Run, requireUp } from "./context";
import { verifyLocalStackSecrets } from "./secrets-stay-secret";
import { updateLocalStack } from "./update";

// 4d. Rotating a service secret, as the README says (lib/rotation-command.ts): the new value set
// with the README's command, then `pulumi up`. The service's Deployments get a new pod template
// (the credentials-version annotation, nothing else) and a new ReplicaSet; every workload of
// every other service keeps its pod template and ReplicaSets; neither the new value nor the old
// one appears in plain text anywhere the secret search looks.

/** A new value for the secret the README rotates (long enough for the secret search). */
export const newSecretValue = (): string => randomBytes(24).toString("base64url");

/** The first value, set before the local stack's first `up`: the rotation then changes it. */
export async function setFirstSecretValue(env: Environment, stack: LocalStack): Promise<void> {
  const command = readmeRotation();
  const value = newSecretValue();
  await setWithReadmeCommand(env.engine, command, stack.name, value);
  stack.secretsSet.push({ owner: `${command.service}.${command.name} (first value)`, value });
}

const WORKLOAD_KINDS = "deployments.apps,statefulsets.apps,daemonsets.apps,cronjobs.batch,jobs.batch";

interface Workloads {
  /** Kind/namespace/name -> the workload. */
  byKey: Map<string, KubeObject>;
  replicaSets: KubeObject[];
}

const keyOf = (o: KubeObject) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`;
const serviceOf = (o: KubeObject) => o.metadata.labels?.["app.kubernetes.io/name"] ?? "";

/** The pod template of a workload (a CronJob's is inside its job template). */
function podTemplateOf(o: KubeObject): Record<string, unknown> {
  if (o.kind === "CronJob") return rec(rec(rec(o.spec?.jobTemplate).spec).template);
  return rec(o.spec?.template);
}

const versionOf = (o: KubeObject) =>
  rec(rec(podTemplateOf(o).metadata).annotations)[CREDENTIALS_VERSION_ANNOTATION];

/**
 * The template without what a rotation changes: the credentials-version annotation, and the name
 * of the credentials Secret its variables reference (an auto-named Secret, replaced when its data
 * changes).
 */
function beyondRotation(o: KubeObject): string {
  const template = structuredClone(podTemplateOf(o));
  delete rec(rec(template.metadata).annotations)[CREDENTIALS_VERSION_ANNOTATION];
  const mask = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(mask);
    else if (v && typeof v === "object") {
      const obj = v as Record<string, unknown>;
      if (obj.secretKeyRef && typeof obj.secretKeyRef === "object") rec(obj.secretKeyRef).name = "<secret>";
      Object.values(obj).forEach(mask);
    }
  };
  mask(template);
  return JSON.stringify(template);
}

async function workloads(kube: Cluster, namespaces: readonly string[]): Promise<Workloads> {
  // A CronJob's runs come and go on their own schedule: the CronJob's template is what counts.
  const inStack = (o: KubeObject) =>
    namespaces.includes(o.metadata.namespace ?? "") &&
    !o.metadata.ownerReferences?.some((r) => r.kind === "CronJob");
  const all = (await kubectlJson<KubeList>(kube, ["get", WORKLOAD_KINDS, "--all-namespaces"])).items;
  const replicaSets = (await kubectlJson<KubeList>(kube, ["get", "replicasets.apps", "--all-namespaces"]))
    .items;
  return {
    byKey: new Map(all.filter(inStack).map((o) => [keyOf(o), o])),
    replicaSets: replicaSets.filter(inStack),
  };
}

export async function secretRotation(run: Run, env: Environment, stack: LocalStack): Promise<void> {
  const command = readmeRotation();
  const { service, name } = command;
  await phase(run, `rotation of ${service}'s ${name} as the README does it, then pulumi up`, async () => {
    requireUp(stack);
    const { cluster: kube, engine: eng } = env;
    const { checks } = run;
    const namespaces = stateNamespaces((await exportState(eng, stack.name)).resources);
    const before = await workloads(kube, namespaces);

    const value = newSecretValue();
    await setWithReadmeCommand(eng, command, stack.name, value);
    run.log(`rotation: ran the README's command with -s ${stack.name}: ${command.line}`);
    const events = join(run.tmp, "rotation.events.jsonl");
    const up = await run.timed("pulumi up after a secret rotation", () =>
      updateLocalStack(env, stack, events, 15 * 60_000),
    );
    const output = `${up.stdout}\n${up.stderr}`;
    if (
      !checks.that(
        up.code === 0,
        `rotation: pulumi up after the README's config set succeeded in ${seconds(up.ms)}`,
        tail(output, 25),
      )
    )
      return;
    const after = await workloads(kube, namespaces);

    // The rotated service: every Deployment has a new credentials version and a new ReplicaSet.
    const ownDeployments = [...after.byKey.values()].filter(
      (o) => o.kind === "Deployment" && serviceOf(o) === service,
    );
    const oldReplicaSets = new Set(before.replicaSets.map((rs) => rs.metadata.uid));
    const notRolled = ownDeployments.flatMap((d) => {
      const previous = before.byKey.get(keyOf(d));
      if (!previous) return [`${d.metadata.name}: created by the update`];
      const fresh = after.replicaSets.filter(
        (rs) =>
          !oldReplicaSets.has(rs.metadata.uid) &&
          rs.metadata.ownerReferences?.some((r) => r.kind === "Deployment" && r.name === d.metadata.name),
      );
      const problems = [
        ...(typeof versionOf(d) !== "string" || versionOf(d) === versionOf(previous)
          ? [`credentials version ${String(versionOf(previous))} -> ${String(versionOf(d))}`]
          : []),
        ...(beyondRotation(d) !== beyondRotation(previous)
          ? ["other fields of the pod template changed"]
          : []),
        ...(fresh.length !== 1 || versionOf(fresh[0] as KubeObject) !== versionOf(d)
          ? [`${fresh.length} new ReplicaSets with the new version`]
          : []),
      ];
      return problems.length > 0 ? [`${d.metadata.name}: ${problems.join(", ")}`] : [];
    });
    checks.that(
      ownDeployments.length > 0 && notRolled.length === 0,
      `rotation: ${service}'s ${ownDeployments.length} Deployments (${ownDeployments.map((d) => d.metadata.name).join(", ")}) got a new pod template (a new ${CREDENTIALS_VERSION_ANNOTATION}, the replaced credentials Secret's name, nothing else) and one new ReplicaSet each`,
      notRolled.join("; ") || `no Deployment labelled app.kubernetes.io/name=${service}`,
    );
    const ownOther = [...after.byKey.values()].filter(
      (o) => o.kind !== "Deployment" && serviceOf(o) === service,
    );
    const unchanged = ownOther.filter((o) => {
      const previous = before.byKey.get(keyOf(o));
      return !previous || versionOf(o) === versionOf(previous);
    });
    checks.that(
      unchanged.length === 0,
      `rotation: ${service}'s other workloads (${ownOther.map(keyOf).join(", ") || "none"}) have the new ${CREDENTIALS_VERSION_ANNOTATION} too${ownOther.some((o) => o.kind === "Job") ? " (a new release Job: the release command ran again)" : ""}`,
      unchanged.map((o) => `${keyOf(o)} kept ${String(versionOf(o))}`).join(", "),
    );

    // Every other workload: the same pod template, no new ReplicaSet.
    const others = [...before.byKey.values()].filter((o) => serviceOf(o) !== service);
    const changed = others.filter((o) => {
      const now = after.byKey.get(keyOf(o));
      return !now || JSON.stringify(podTemplateOf(now)) !== JSON.stringify(podTemplateOf(o));
    });
    const newReplicaSets = after.replicaSets.filter(
      (rs) => !oldReplicaSets.has(rs.metadata.uid) && serviceOf(rs) !== service,
    );
    checks.that(
      others.length > 0 && changed.length === 0 && newReplicaSets.length === 0,
      `rotation: the ${others.length} workloads of every other service and of the platform kept their pod templates (no new ReplicaSet among ${after.replicaSets.length - after.replicaSets.filter((rs) => serviceOf(rs) === service).length})`,
      [
        ...changed.map((o) => `${keyOf(o)} changed`),
        ...newReplicaSets.map((rs) => `new ReplicaSet ${rs.metadata.name}`),
      ].join(", "),
    );

    // Neither value in plain text: the new one and the one it replaced.
    const exported = await exportState(eng, stack.name);
    const found = await verifyLocalStackSecrets(run, env, stack, {
      label: "rotation",
      namespaces,
      exportedState: exported.text,
      output,
      events,
    });
    checks.that(
      found.services.some((s) => s.value === value && s.owner.startsWith(`${service}.${name} `)),
      `rotation: the search included the new value of ${service}.${name} (read back from the stack config)`,
    );
    stack.secretsSet.push({ owner: `${service}.${name} (rotated value)`, value });
  });
}
