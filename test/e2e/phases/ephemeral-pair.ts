import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { type KubeList, kubectlJson } from "../lib/cluster";
import { backendFilesOf, dotenvNames, ephemeralProject } from "../lib/ephemeral";
import { objectsLeft, rec, stateNamespaces, verifyPlatform, viewCluster } from "../lib/platform";
import { onCleanup, type RunResult, run as runCommand, tail } from "../lib/proc";
import { exportState, pulumiMayFail } from "../lib/pulumi";
import { seconds } from "../lib/report";
import type { Environment } from "../lib/setup";
import { ROOT } from "../lib/toolchain";
import type { RealNode } from "../node";
import { placeStackOnRealNode } from "../node/placement";
import { stackImages } from "../node/platform-step";
import { phase, type Run } from "./context";
import { verifySecretsStaySecret } from "./secrets-stay-secret";

// 6. Two ephemeral stacks at once through the real CLI (`npm run ephemeral`, the Automation API
// driver): separate, labelled namespaces, the platform's checks and the secret search on each,
// then `down` for both (the second one without its stack config file, as a stop job in a fresh
// checkout runs it) and nothing of either left.

const IMAGE_TAG = "2026.11.3";

/** The pipelines of this run. */
const pipelineIds = (run: Run) => [`e2e${run.runId}a`, `e2e${run.runId}b`];

/**
 * On the real node: the template's third-party images replaced by those built here, and its
 * requests scaled as the local stack's (two whole platforms on a 2-core node); every pod of both
 * pipelines placed on the node.
 */
export interface EphemeralOnRealNode {
  node: RealNode;
  overrides: Readonly<Record<string, string>>;
  requestScale: number;
}

/** The app images the pipelines run (`--image-tag IMAGE_TAG` of the ci template): the node imports them. */
export async function ephemeralAppImages(logFile: string): Promise<string[]> {
  return (await stackImages("ci", "app", logFile)).map((i) => i.replace(/:[^:/]+$/, `:${IMAGE_TAG}`));
}

export async function ephemeralPair(run: Run, env: Environment, real?: EphemeralOnRealNode): Promise<void> {
  const where = real ? ` on real pods (${real.node.name})` : "";
  await phase(run, `npm run ephemeral -- up / down, two pipelines at once${where}`, async () => {
    const project = ephemeralProject(
      join(run.tmp, real ? "project-real" : "project"),
      env.cluster.context,
      real
        ? {
            "platform:images": {
              ...rec(
                parse(readFileSync(join(ROOT, "stacks", "Pulumi.ci.yaml"), "utf8")).config?.[
                  "platform:images"
                ],
              ),
              overrides: { ...real.overrides },
            },
            "platform:requestScale": real.requestScale,
          }
        : {},
    );
    const ids = pipelineIds(run);
    for (const id of ids) destroyOnCleanup(env, project, id);
    const unplace: (() => Promise<void>)[] = [];
    if (real) {
      for (const id of ids)
        unplace.push(
          await placeStackOnRealNode(env.cluster, {
            namespace: `ci-${id}`,
            logsNamespace: `ci-${id}-logs`,
            logsOnRealNode: true,
            dir: run.tmp,
            logFile: run.logFile,
          }),
        );
    }
    try {
      await upAndDown(run, env, project, ids, real?.node);
    } finally {
      for (const u of unplace) await u();
    }
  });
}

async function upAndDown(
  run: Run,
  env: Environment,
  project: string,
  ids: string[],
  node: RealNode | undefined,
): Promise<void> {
  {
    const cli = ephemeralCli(run, env, project);
    const ups = await run.timed(`ephemeral up ×2 (concurrent${node ? ", real pods" : ""})`, () =>
      Promise.all(
        ids.map((id) =>
          cli(id, [
            "up",
            "--image-tag",
            IMAGE_TAG,
            "--owner",
            "e2e",
            "--ref",
            "e2e",
            "--ttl",
            "2h",
            "--dotenv",
            dotenvFile(run, id),
          ]),
        ),
      ),
    );
    const namespaceSets: string[][] = [];
    for (const [i, id] of ids.entries()) {
      const up = ups[i];
      if (!up) continue;
      const names = await checkPipelineUp(run, env, project, id, up, node);
      if (names) namespaceSets.push(names);
    }
    if (namespaceSets.length === 2) {
      const [a = [], b = []] = namespaceSets;
      run.checks.that(
        !a.some((n) => b.includes(n)),
        "ephemeral: the two pipelines have separate namespaces",
        `${a.join(",")} / ${b.join(",")}`,
      );
    }

    // A stop job or the reaper runs in a fresh checkout, without the stack config file that `up`
    // wrote (and with it the passphrase salt): the second pipeline's `down` runs like that.
    const withoutConfig = ids[1] ?? "";
    rmSync(join(project, "stacks", `Pulumi.ci-${withoutConfig}.yaml`), { force: true });
    run.log(
      `ephemeral: stacks/Pulumi.ci-${withoutConfig}.yaml removed first: that down works from the state alone`,
    );
    const downs = await run.timed(`ephemeral down ×2 (concurrent${node ? ", real pods" : ""})`, () =>
      Promise.all(ids.map((id) => cli(id, ["down"]))),
    );
    const listed = await pulumiMayFail(env.engine, ["stack", "ls", "--json"], { cwd: project });
    for (const [i, id] of ids.entries()) {
      await checkPipelineDown(run, env, project, id, downs[i], {
        listed: listed.code === 0 ? listed.stdout : undefined,
        withoutConfig: id === withoutConfig,
      });
    }
  }
}

const dotenvFile = (run: Run, id: string) => join(run.tmp, `${id}.env`);
const readIfExists = (file: string) => (existsSync(file) ? readFileSync(file, "utf8") : "");

/** `npm run -s ephemeral -- <args> --id <id>` in the scratch project, with the e2e's engine. */
function ephemeralCli(run: Run, env: Environment, project: string) {
  // The npm running this script (npm_execpath), else the one on PATH.
  const npmCli = process.env.npm_execpath;
  const npm = npmCli ? process.execPath : "npm";
  const npmArgs = npmCli ? [npmCli] : [];
  return (id: string, args: string[]) =>
    runCommand(npm, [...npmArgs, "run", "-s", "ephemeral", "--", ...args, "--id", id], {
      cwd: project,
      env: env.engine.env,
      logFile: run.logFile,
      timeoutMs: 25 * 60_000,
      ...(run.verbose ? { echo: `  [${id}] ` } : {}),
    });
}

/** A failed run must not leave the pipeline's stack behind. */
function destroyOnCleanup(env: Environment, project: string, id: string): void {
  onCleanup(`ephemeral stack ci-${id}`, async () => {
    const gone = await pulumiMayFail(env.engine, ["stack", "select", `ci-${id}`, "--non-interactive"], {
      cwd: project,
      timeoutMs: 60_000,
    });
    if (gone.code === 0) {
      await pulumiMayFail(
        env.engine,
        ["destroy", "--yes", "--non-interactive", "--skip-preview", "--stack", `ci-${id}`],
        { cwd: project, timeoutMs: 10 * 60_000 },
      );
    }
  });
}

/** One pipeline after `up`: its namespaces and labels, the platform's checks, its dotenv, its secrets. */
async function checkPipelineUp(
  run: Run,
  env: Environment,
  project: string,
  id: string,
  up: RunResult,
  node: RealNode | undefined,
): Promise<string[] | undefined> {
  const { checks } = run;
  const kube = env.cluster;
  checks.that(
    up.code === 0,
    `ephemeral up --id ${id} succeeded (${seconds(up.ms)})`,
    `exit ${up.code}:\n${tail(`${up.stdout}\n${up.stderr}`, 25)}`,
  );
  if (up.code !== 0) return undefined;
  const ns = `ci-${id}`;
  const nsObj = await kubectlJson<KubeList>(kube, [
    "get",
    "namespaces",
    "-l",
    `platform.internal/pipeline=${id}`,
  ]);
  const names = nsObj.items.map((n) => n.metadata.name).sort();
  checks.that(
    JSON.stringify(names) === JSON.stringify([ns, `${ns}-logs`]),
    `ephemeral ${id}: namespaces ${ns} and ${ns}-logs, labelled platform.internal/pipeline=${id}`,
    `found: ${names.join(", ") || "none"}`,
  );
  const labels = nsObj.items.find((n) => n.metadata.name === ns)?.metadata.labels ?? {};
  checks.that(
    labels["platform.internal/ephemeral"] === "true" &&
      labels["app.kubernetes.io/part-of"] === "platform" &&
      labels["platform.internal/environment"] === "ci" &&
      labels["pod-security.kubernetes.io/enforce"] === "restricted" &&
      typeof labels["platform.internal/expires-at"] === "string",
    `ephemeral ${id}: namespace labels ephemeral=true, environment=ci, expires-at, part-of=platform, Pod Security restricted`,
    JSON.stringify(labels),
  );
  const exported = await exportState(env.engine, ns, project);
  const state = exported.resources;
  const view = await viewCluster(kube, stateNamespaces(state));
  verifyPlatform(checks, state, view, {
    servicesNamespace: ns,
    engineOutput: up.stdout,
    label: `ephemeral ${id}`,
    realPods: node !== undefined,
  });
  if (node) {
    const elsewhere = view.pods.filter((p) => rec(p.spec).nodeName !== node.name);
    checks.that(
      view.pods.length > 0 && elsewhere.length === 0,
      `ephemeral ${id}: all ${view.pods.length} pods ran on the real node ${node.name}`,
      elsewhere.map((p) => `${p.metadata.name} on ${String(rec(p.spec).nodeName)}`).join(", "),
    );
  }
  const file = dotenvFile(run, id);
  const variables = existsSync(file) ? dotenvNames(readFileSync(file, "utf8")) : [];
  checks.that(
    variables.length > 0,
    `ephemeral ${id}: dotenv written (${variables.length} variables, e.g. ${variables.slice(0, 3).join(", ")})`,
    `${file} ${existsSync(file) ? "has no variables" : "does not exist"}`,
  );
  await verifySecretsStaySecret(run, env, {
    label: `ephemeral ${id}`,
    stack: ns,
    cwd: project,
    namespaces: stateNamespaces(state),
    places: [
      { label: "the exported state", text: exported.text },
      { label: "the output of npm run ephemeral -- up", text: `${up.stdout}\n${up.stderr}` },
      {
        label: `the dotenv file (written without --credentials)`,
        text: readIfExists(file),
      },
      { label: "the stack config file", text: readIfExists(join(project, "stacks", `Pulumi.${ns}.yaml`)) },
    ],
  });
  return names;
}

/** One pipeline after `down`: no stack, no backend file, no config file, no namespace or object. */
async function checkPipelineDown(
  run: Run,
  env: Environment,
  project: string,
  id: string,
  down: RunResult | undefined,
  o: { listed: string | undefined; withoutConfig: boolean },
): Promise<void> {
  const { checks } = run;
  const kube = env.cluster;
  checks.that(
    down?.code === 0,
    `ephemeral down --id ${id} succeeded (${seconds(down?.ms ?? 0)})${o.withoutConfig ? " from the state alone, without the stack config file" : ""}`,
    `exit ${down?.code}:\n${tail(`${down?.stdout ?? ""}\n${down?.stderr ?? ""}`, 25)}`,
  );
  const stackName = `ci-${id}`;
  checks.that(
    o.listed !== undefined && !o.listed.includes(`"${stackName}"`) && !o.listed.includes(`/${stackName}"`),
    `ephemeral ${id}: stack ${stackName} no longer listed by the backend`,
  );
  const files = backendFilesOf(env.engine.stateDir, stackName);
  checks.that(
    files.length === 0,
    `ephemeral ${id}: no state, backup, history or tag file of ${stackName} left in the file backend`,
    files.join(", "),
  );
  checks.that(
    !existsSync(join(project, "stacks", `Pulumi.${stackName}.yaml`)),
    `ephemeral ${id}: stack config file stacks/Pulumi.${stackName}.yaml removed`,
  );
  const left = await objectsLeft(kube, `platform.internal/pipeline=${id}`);
  const nsLeft = await runCommand(
    "kubectl",
    ["--context", kube.context, "get", "ns", stackName, `${stackName}-logs`],
    {
      env: kube.env,
    },
  );
  checks.that(
    left.length === 0 && !/Active|Terminating/.test(nsLeft.stdout),
    `ephemeral ${id}: namespaces ${stackName}, ${stackName}-logs and their objects are gone`,
    `${left.join(", ")} ${nsLeft.stdout.trim()}`,
  );
}
