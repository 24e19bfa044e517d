import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { type Cluster, type KubeList, type KubeObject, kubectl, kubectlJson } from "../lib/cluster";
import { e2eStackFile, rec, stateNamespaces, verifyPlatform, viewCluster } from "../lib/platform";
import { E2EError, type RunResult, run, tail } from "../lib/proc";
import {
  type Engine,
  exportState,
  initTemporaryStack,
  pulumi,
  pulumiMayFail,
  readEvents,
} from "../lib/pulumi";
import { type Checks, seconds } from "../lib/report";
import { ROOT } from "../lib/toolchain";
import type { RealNode } from "./index";
import { placeStackOnRealNode } from "./placement";
import { hostGet, podDependencies } from "./reach";
import { checkServicePaths, type ServiceEndpoint, startOutsider } from "./service-paths";
import { podTimeline, type WhereTheTimeGoes } from "./timeline";

// The whole platform on real pods: the e2e's local stack (every catalog service running the
// contract app, every backing service from an image built here, the log store and shipper) as
// its own stack in namespaces of its own, every pod on the real node (placement.ts), `pulumi up`
// with the policy pack. Then: every workload Ready because its probes passed (the contract app
// answers readiness only when its database is migrated and every backing service accepts the
// credentials it was given), migrations before rollouts, the services' network paths as declared,
// logs in the log store by service and level, the secret search (pod logs included), a new image,
// and destroy. Each `pulumi up|destroy` is timed, and where the time of the first `up` went.

/** The image tag of the update step: imported beside the stack's own tags. */
export const UPDATE_TAG = "2026.11.4-realpods";

export interface RealPodsStack {
  name: string;
  file: string;
  namespace: string;
  logsNamespace: string;
}

export function realPodsStack(runId: string): RealPodsStack {
  const name = `e2e-real-${runId}`;
  // Its own namespaces, so it can run beside the kwok local stack (namespace `platform`).
  const namespace = "realpods";
  return {
    name,
    file: join(ROOT, "stacks", `Pulumi.${name}.yaml`),
    namespace,
    logsNamespace: `${namespace}-logs`,
  };
}

/**
 * The e2e's local stack (e2eStackFile) in the stack's namespace, every third-party image replaced
 * by one built here (`platform:images.overrides`, as a user behind a mirror would), no public route
 * (no gateway controller here: the checks reach the pods directly).
 */
export function writeRealPodsStackFile(
  stack: RealPodsStack,
  context: string,
  overrides: Readonly<Record<string, string>>,
): void {
  const doc = parse(e2eStackFile(context)) as { config: Record<string, unknown> };
  const c = doc.config;
  c["platform:namespace"] = stack.namespace;
  c["platform:images"] = { ...rec(c["platform:images"]), overrides: { ...overrides } };
  delete c["platform:gateway"];
  writeFileSync(
    stack.file,
    `# Written by test/e2e (the whole platform on the real node); removed when the run ends.\n${stringify({ config: c })}`,
  );
}

/** `npm run -s images -- --stack <stack> --app|--third-party`: the images the stack runs. */
export async function stackImages(
  stack: string,
  which: "app" | "third-party",
  logFile: string,
): Promise<string[]> {
  const r = await run(
    process.execPath,
    [
      "--require",
      "./tools/fast-start.cjs",
      "--import",
      "tsx",
      "tools/images.ts",
      "--stack",
      stack,
      `--${which}`,
    ],
    { cwd: ROOT, logFile },
  );
  if (r.code !== 0) throw new E2EError(`npm run images -- --stack ${stack} --${which}: ${tail(r.stderr)}`);
  return r.stdout.split("\n").filter((l) => l.trim() !== "");
}

/** The stack's app images plus, for the update step, the first one under UPDATE_TAG. */
export function withUpdateTag(appImages: readonly string[]): { images: string[]; updated?: string } {
  const first = appImages[0];
  if (!first) return { images: [...appImages] };
  const updated = first.replace(/:[^:/]+$/, `:${UPDATE_TAG}`);
  return { images: [...appImages, updated], updated };
}

export interface PlatformOnRealPodsOptions {
  stack: RealPodsStack;
  policyPack: string[];
  /** The stack's app image taken for the update step, under UPDATE_TAG (imported). */
  updatedImage?: string;
  /** Third-party images imported into the node (the overrides' values). */
  imported: readonly string[];
  dir: string;
  logFile: string;
  log: (message: string) => void;
  timed: <T>(label: string, fn: () => Promise<T>) => Promise<T>;
  /** The secret search of the other phases, over this stack and the extra places given. */
  searchSecrets: (places: { label: string; text: string }[], namespaces: string[]) => Promise<void>;
  /** Figures for the summary and docs/benchmarks.md. */
  notes: string[];
}

const pods = (cluster: Cluster, namespaces: readonly string[]) =>
  Promise.all(
    namespaces.map(async (ns) => (await kubectlJson<KubeList>(cluster, ["get", "pods", "-n", ns])).items),
  ).then((lists) => lists.flat());

/** Every container's log (a restart fails a check of its own): what the secret search reads. */
async function podLogs(cluster: Cluster, list: readonly KubeObject[]): Promise<string> {
  const parts: string[] = [];
  for (const p of list) {
    const r = await kubectl(
      cluster,
      ["logs", "-n", p.metadata.namespace ?? "", p.metadata.name, "--all-containers", "--prefix"],
      {},
    ).catch((error: Error) => ({ stdout: `(no logs: ${error.message})` }));
    parts.push(r.stdout);
  }
  return parts.join("\n");
}

export async function platformOnRealPods(
  cluster: Cluster,
  engine: Engine,
  node: RealNode,
  checks: Checks,
  o: PlatformOnRealPodsOptions,
): Promise<void> {
  const { stack, log } = o;
  const L = "whole platform on real pods";
  const namespaces = [stack.namespace, stack.logsNamespace];

  const thirdParty = await stackImages(stack.name, "third-party", o.logFile);
  const foreign = thirdParty.filter((i) => !o.imported.includes(i));
  checks.that(
    thirdParty.length > 0 && foreign.length === 0,
    `${L}: every third-party image the stack runs (${thirdParty.length}) is one built here and imported into ${node.name} (platform:images.overrides)`,
    `not built here: ${foreign.join(", ")}`,
  );
  if (foreign.length > 0) throw new E2EError(`skipped: the stack would pull ${foreign.join(", ")}`);

  await initTemporaryStack(engine, stack.name, { configFile: stack.file });
  const unplace = await placeStackOnRealNode(cluster, {
    namespace: stack.namespace,
    logsNamespace: stack.logsNamespace,
    logsOnRealNode: true,
    dir: o.dir,
    logFile: o.logFile,
  });
  const op = (label: string, args: string[], events?: string) =>
    o.timed(label, () =>
      pulumiMayFail(
        engine,
        [
          ...args,
          "--yes",
          "--non-interactive",
          "--skip-preview",
          "--stack",
          stack.name,
          ...(events ? ["--event-log", events] : []),
        ],
        { timeoutMs: 25 * 60_000 },
      ),
    );
  let upDone = false;
  try {
    const events = join(o.dir, "realpods-up.events.jsonl");
    const started = Date.now();
    const up = await op(`${L}: pulumi up (empty -> all Ready)`, ["up", ...o.policyPack], events);
    const output = `${up.stdout}\n${up.stderr}`;
    upDone = checks.that(
      up.code === 0,
      `${L}: pulumi up with the policy pack succeeded in ${seconds(up.ms)}: every workload Ready on ${node.name}`,
      `exit ${up.code}:\n${tail(output, 40)}`,
    );
    const report = readEvents(events);
    const mandatory = report.violations.filter((v) => v.enforcementLevel === "mandatory");
    checks.that(
      mandatory.length === 0,
      `${L}: the policy pack reported no mandatory violation`,
      mandatory.map((v) => `${v.policyName} on ${v.resourceUrn ?? "the stack"}`).join(", "),
    );
    if (!upDone) {
      const list = await pods(cluster, namespaces);
      log(
        `${L}: pods after the failed up:\n${list
          .map((p) => `  ${p.metadata.namespace}/${p.metadata.name} ${String(rec(p.status).phase)}`)
          .join("\n")}`,
      );
      return;
    }

    // What the engine, the API server and the cluster did, checked as for the kwok stack.
    const state = (await exportState(engine, stack.name)).resources;
    const view = await viewCluster(cluster, stateNamespaces(state));
    verifyPlatform(checks, state, view, {
      servicesNamespace: stack.namespace,
      engineOutput: output,
      label: L,
    });

    const list = await pods(cluster, namespaces);
    const elsewhere = list.filter((p) => rec(p.spec).nodeName !== node.name);
    checks.that(
      list.length > 0 && elsewhere.length === 0,
      `${L}: all ${list.length} pods ran on the real node ${node.name} (containerd + runc), none on a simulated one`,
      elsewhere.map((p) => `${p.metadata.name} on ${String(rec(p.spec).nodeName)}`).join(", "),
    );
    const probed = list.filter((p) => {
      const containers = Array.isArray(rec(p.spec).containers) ? (rec(p.spec).containers as unknown[]) : [];
      return containers.some((c) => rec(c).readinessProbe !== undefined);
    });
    const notReady = probed.filter(
      (p) =>
        !(Array.isArray(rec(p.status).conditions) ? (rec(p.status).conditions as unknown[]) : []).some(
          (c) => rec(c).type === "Ready" && rec(c).status === "True",
        ),
    );
    checks.that(
      probed.length > 0 && notReady.length === 0,
      `${L}: all ${probed.length} pods with a readiness probe Ready because it passed (for the services: their database migrated, Redis, RabbitMQ and the object store accepting the credentials they were given)`,
      notReady.map((p) => p.metadata.name).join(", "),
    );
    const restarts = list.flatMap((p) =>
      (Array.isArray(rec(p.status).containerStatuses) ? (rec(p.status).containerStatuses as unknown[]) : [])
        .filter((c) => Number(rec(c).restartCount ?? 0) > 0)
        .map((c) => `${p.metadata.name}/${String(rec(c).name)} x${String(rec(c).restartCount)}`),
    );
    checks.that(
      restarts.length === 0,
      `${L}: no container restarted (every process waited for its backing services instead of crashing)`,
      restarts.join(", "),
    );

    const time = podTimeline(view, started);
    reportTimeline(o, time, up.ms);

    // The services' network paths, between their real web pods.
    const endpoints = await webEndpoints(cluster, stack.namespace, list);
    const outsider = await startOutsider(cluster, node.images.contractApp, {
      namespace: "e2e-realpods-outsider",
      dir: o.dir,
      logFile: o.logFile,
    });
    try {
      const tried = await checkServicePaths(checks, endpoints, outsider, L);
      log(`${L}: ${tried} connections checked`);
    } finally {
      await outsider.remove();
    }

    // Logs: what the services wrote reached the log store, labelled by service and level.
    await logsByServiceAndLevel(checks, cluster, stack, endpoints, L);

    // Secrets stay secrets: the places of the other phases, plus every container's log.
    await o.searchSecrets(
      [
        { label: "the output of pulumi up", text: output },
        { label: "the stack config file", text: readFileSync(stack.file, "utf8") },
        { label: "every container's log", text: await podLogs(cluster, list) },
        { label: "the log store", text: await logStoreContents(cluster, stack) },
      ],
      namespaces,
    );

    if (o.updatedImage) await imageUpdate(cluster, engine, checks, o, op);
  } finally {
    const down = await op(`${L}: pulumi destroy`, ["destroy"]);
    if (upDone) {
      checks.that(
        down.code === 0,
        `${L}: pulumi destroy succeeded in ${seconds(down.ms)}`,
        `exit ${down.code}:\n${tail(`${down.stdout}\n${down.stderr}`, 20)}`,
      );
    }
    if (down.code === 0) await pulumiMayFail(engine, ["stack", "rm", "--yes", "--stack", stack.name]);
    await unplace();
    if (existsSync(stack.file)) rmSync(stack.file, { force: true });
  }
}

/** Each service's web pod (component web), its IP and the dependencies its ConfigMap declares. */
async function webEndpoints(
  cluster: Cluster,
  namespace: string,
  list: readonly KubeObject[],
): Promise<ServiceEndpoint[]> {
  const out: ServiceEndpoint[] = [];
  for (const p of list) {
    const labels = p.metadata.labels ?? {};
    if (p.metadata.namespace !== namespace || labels["app.kubernetes.io/component"] !== "web") continue;
    const service = labels["app.kubernetes.io/name"];
    const declared = service ? await podDependencies(cluster, namespace, p.spec) : undefined;
    if (!service || !declared) continue;
    out.push({ service, ip: String(rec(p.status).podIP ?? ""), dependsOn: declared.dependsOn });
  }
  if (out.length === 0) throw new E2EError(`no web pod found in namespace ${namespace}`);
  return out;
}

/** The log store's pod IP (the host may reach its pods), from its StatefulSet's pods. */
async function logStoreUrl(cluster: Cluster, namespace: string): Promise<string> {
  const list = await kubectlJson<KubeList>(cluster, ["get", "pods", "-n", namespace]);
  const store = list.items.find((p) => p.metadata.labels?.["app.kubernetes.io/name"] === "loki");
  const ip = String(rec(store?.status).podIP ?? "");
  if (!ip) throw new E2EError(`no log store pod with an IP in ${namespace}`);
  return `http://${ip}:3100`;
}

/**
 * Every line the log store holds (the secret search reads them), one query per `service` label
 * value and one for lines without it: a query returns at most 5,000 lines, as Loki's default
 * `max_entries_limit_per_query`.
 */
async function logStoreContents(cluster: Cluster, stack: RealPodsStack): Promise<string> {
  const url = await logStoreUrl(cluster, stack.logsNamespace);
  const get = async (path: string) => {
    const r = await hostGet(`${url}${path}`, 30_000);
    if (r.status !== 200)
      throw new E2EError(`the log store did not answer ${path}: ${r.status} ${r.error ?? r.body}`);
    return r.body;
  };
  const start = (Date.now() - 3_600_000) * 1e6;
  const values =
    (JSON.parse(await get("/loki/api/v1/label/service/values")) as { data?: string[] }).data ?? [];
  const selectors = [...values.map((v) => `{service=${JSON.stringify(v)}}`), '{namespace=~".+", service=""}'];
  const bodies: string[] = [];
  for (const selector of selectors) {
    bodies.push(
      await get(`/loki/api/v1/query_range?limit=5000&start=${start}&query=${encodeURIComponent(selector)}`),
    );
  }
  return bodies.join("\n");
}

async function logsByServiceAndLevel(
  checks: Checks,
  cluster: Cluster,
  stack: RealPodsStack,
  endpoints: readonly ServiceEndpoint[],
  L: string,
): Promise<void> {
  const url = await logStoreUrl(cluster, stack.logsNamespace);
  const query = async (selector: string) => {
    const r = await hostGet(
      `${url}/loki/api/v1/query_range?limit=5&query=${encodeURIComponent(selector)}&start=${(Date.now() - 3_600_000) * 1e6}`,
    );
    if (r.status !== 200) return { lines: -1, error: `${r.status} ${r.error ?? r.body.slice(0, 200)}` };
    const body = JSON.parse(r.body) as {
      data?: { result?: { stream: Record<string, string>; values: unknown[] }[] };
    };
    const result = body.data?.result ?? [];
    return { lines: result.reduce((n, s) => n + s.values.length, 0), streams: result.map((s) => s.stream) };
  };
  // The shipper tails files: give it a few rounds to catch up with what the pods wrote.
  const deadline = Date.now() + 90_000;
  let missing: string[] = [];
  do {
    missing = [];
    for (const e of endpoints) {
      const got = await query(`{namespace="${stack.namespace}", service="${e.service}", level="info"}`);
      if (got.lines <= 0) missing.push(`${e.service}${got.error ? ` (${got.error})` : ""}`);
    }
    if (missing.length === 0 || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 5000));
  } while (missing.length > 0);
  checks.that(
    missing.length === 0,
    `${L}: every service's log lines are in the log store by service and level ({namespace, service, level="info"}: ${endpoints.length} services)`,
    `none for ${missing.join(", ")}`,
  );
  const levels = await query(`{namespace="${stack.namespace}", level=~"warning|error"}`);
  const infoOnly = await query(`{namespace="${stack.namespace}", level="info"}`);
  const wrongLevel = (infoOnly.streams ?? []).filter((s) => s.level !== "info");
  checks.that(
    infoOnly.lines > 0 && wrongLevel.length === 0 && levels.lines >= 0,
    `${L}: the level label comes from the Monolog JSON (lowercased), so a level selector returns only that level (${levels.lines} warning/error lines, none mixed into level="info")`,
    `streams: ${JSON.stringify(wrongLevel.slice(0, 3))}`,
  );
}

async function imageUpdate(
  cluster: Cluster,
  engine: Engine,
  checks: Checks,
  o: PlatformOnRealPodsOptions,
  op: (label: string, args: string[]) => Promise<RunResult>,
): Promise<void> {
  const image = o.updatedImage ?? "";
  const service = /\/([^/:]+):[^:/]+$/.exec(image)?.[1] ?? "";
  await pulumi(engine, [
    "config",
    "set",
    "--path",
    `platform:services.${service}.imageTag`,
    UPDATE_TAG,
    "--stack",
    o.stack.name,
  ]);
  const up = await op("whole platform on real pods: pulumi up (one image tag)", ["up", ...o.policyPack]);
  const running = await kubectlJson<KubeList>(cluster, [
    "get",
    "pods",
    "-n",
    o.stack.namespace,
    "-l",
    `app.kubernetes.io/name=${service}`,
  ]);
  const updated = running.items.filter(
    (p) =>
      rec(p.status).phase === "Running" &&
      ((rec(p.spec).containers ?? []) as { image?: string }[]).some((c) => c.image === image),
  );
  checks.that(
    up.code === 0 && updated.length > 0,
    `whole platform on real pods: a new image of ${service} rolled out on real pods in ${seconds(up.ms)} (${updated.length} pods run ${image}, after its migration Job)`,
    `exit ${up.code}:\n${tail(`${up.stdout}\n${up.stderr}`, 25)}`,
  );
}

function reportTimeline(o: PlatformOnRealPodsOptions, t: WhereTheTimeGoes, upMs: number): void {
  const line = `whole platform on real pods: up ${seconds(upMs)}; ${t.summary}`;
  o.log(line);
  o.notes.push(line);
}
