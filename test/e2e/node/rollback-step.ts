import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import type { ServiceSpec } from "../../../components/service/spec";
import { loadCatalog } from "../../../infra/catalog/load";
import { imageReference } from "../../../infra/model";
import { debianRecipes } from "../images/recipes";
import { type Cluster, type KubeList, kubectl, kubectlJson } from "../lib/cluster";
import { e2eStackFile } from "../lib/platform";
import { E2EError, run, sleep, tail } from "../lib/proc";
import { type Engine, initTemporaryStack, pulumi, pulumiMayFail } from "../lib/pulumi";
import type { Checks } from "../lib/report";
import { seconds } from "../lib/report";
import { ROOT } from "../lib/toolchain";
import type { BrokenAppImage } from "./images";
import type { RealNode } from "./index";
import { placeStackOnRealNode } from "./placement";

// A broken release rolled back on real pods (issue 18): a stack of the platform program with one
// catalog service (`platform:only`) and its database, placed on the real node (placement.ts), with
// `rollback.automatic`. `pulumi up` of a good tag, then of a deliberately broken one (the contract
// app built to fail readiness 45 s after it starts: it passes its rollout, then leaves rotation);
// `npm run verify` detects it and rolls back through stacks/rollback; the service then serves the
// good image again and `npm run verify` passes.

const NS = "e2e-rollback";
const GOOD_TAG = "2026.11.3";
const BROKEN_TAG = "2026.11.4-broken";
/** Long enough for the rollout (startup + readiness probes) to complete first, at 5 s periods. */
const BREAK_AFTER = "45s";
const REGISTRY = parse(readFileSync(join(ROOT, "stacks", "Pulumi.local.yaml"), "utf8")).config[
  "platform:images"
].registry as string;

/**
 * The service the step deploys, from the catalog: the first one that runs on what the real node
 * has (PostgreSQL, Redis, the contract app): no dependency, bucket, message broker or CronJob.
 */
export function rollbackService(catalog: readonly ServiceSpec[] = loadCatalog().services): ServiceSpec {
  const fit = [...catalog]
    .sort((a, b) => a.name.localeCompare(b.name))
    .find(
      (s) =>
        s.dependsOn.length === 0 &&
        (s.buckets ?? []).length === 0 &&
        !s.messaging &&
        (s.scheduledJobs ?? []).length === 0,
    );
  if (!fit)
    throw new E2EError(
      "no catalog service runs on the real node alone (no dependency, bucket, broker or CronJob)",
    );
  return fit;
}

/** The images the real node must hold for this step: the good release and the broken one. */
export function rollbackImages(service = rollbackService()): { good: string[]; broken: BrokenAppImage[] } {
  const repository = service.image ?? service.name;
  return {
    good: [imageReference(REGISTRY, repository, GOOD_TAG)],
    broken: [{ name: imageReference(REGISTRY, repository, BROKEN_TAG), breakAfter: BREAK_AFTER }],
  };
}

function stackFile(context: string, service: string): string {
  const doc = parse(e2eStackFile(context)) as { config: Record<string, unknown> };
  const c = doc.config;
  const images = c["platform:images"] as Record<string, unknown>;
  c["platform:images"] = {
    ...images,
    tag: GOOD_TAG,
    overrides: { postgres: debianRecipes.postgres.name, redis: debianRecipes.redis.name },
  };
  c["platform:namespace"] = NS;
  c["platform:only"] = [service];
  c["platform:rollback"] = { automatic: true };
  // No public route: the check is the service's readiness in the cluster.
  delete c["platform:gateway"];
  return `# Written by test/e2e (the rollback step on the real node); removed when the run ends.\n${stringify({ config: c })}`;
}

async function deploymentImage(cluster: Cluster, service: string): Promise<string> {
  const r = await kubectl(cluster, [
    "-n",
    NS,
    "get",
    "deployment",
    service,
    "-o",
    "jsonpath={.spec.template.spec.containers[0].image}",
  ]);
  return r.stdout.trim();
}

/** The service's web pods and where they run, for the messages. */
async function webPods(cluster: Cluster, service: string): Promise<string> {
  const pods = await kubectlJson<KubeList>(cluster, [
    "-n",
    NS,
    "get",
    "pods",
    "-l",
    `app.kubernetes.io/name=${service},app.kubernetes.io/component=web`,
  ]);
  return pods.items
    .map((p) => {
      const spec = (p.spec ?? {}) as { nodeName?: string; containers?: { image?: string }[] };
      const ready = (
        ((p.status ?? {}) as { conditions?: { type: string; status: string }[] }).conditions ?? []
      ).some((c) => c.type === "Ready" && c.status === "True");
      return `${p.metadata.name} on ${spec.nodeName ?? "?"} (${spec.containers?.[0]?.image ?? "?"}, ${ready ? "Ready" : "not Ready"})`;
    })
    .join("; ");
}

/** Waits until every pod of `image` (not being deleted) is not Ready; false after `timeoutMs`. */
async function brokenPodsLeftRotation(
  cluster: Cluster,
  service: string,
  image: string,
  timeoutMs: number,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const pods = (
      await kubectlJson<KubeList>(cluster, [
        "-n",
        NS,
        "get",
        "pods",
        "-l",
        `app.kubernetes.io/name=${service},app.kubernetes.io/component=web`,
      ])
    ).items.filter(
      (p) =>
        !(p.metadata as { deletionTimestamp?: string }).deletionTimestamp &&
        ((p.spec ?? {}) as { containers?: { image?: string }[] }).containers?.[0]?.image === image,
    );
    const ready = pods.filter((p) =>
      (((p.status ?? {}) as { conditions?: { type: string; status: string }[] }).conditions ?? []).some(
        (c) => c.type === "Ready" && c.status === "True",
      ),
    );
    if (pods.length > 0 && ready.length === 0) return true;
    await sleep(2000);
  }
  return false;
}

export async function rollbackOnRealPods(
  cluster: Cluster,
  engine: Engine,
  node: RealNode,
  checks: Checks,
  o: {
    policyPack: string[];
    dir: string;
    logFile: string;
    log: (m: string) => void;
    runId: string;
    timed: <T>(label: string, fn: () => Promise<T>) => Promise<T>;
  },
): Promise<void> {
  const service = rollbackService().name;
  const images = rollbackImages();
  const stack = `e2e-rollback-${o.runId}`;
  const file = join(ROOT, "stacks", `Pulumi.${stack}.yaml`);
  writeFileSync(file, stackFile(cluster.context, service));
  await initTemporaryStack(engine, stack, { configFile: file });
  const unplace = await placeStackOnRealNode(cluster, {
    namespace: NS,
    logsNamespace: `${NS}-logs`,
    dir: o.dir,
    logFile: o.logFile,
  });
  const up = (label: string) =>
    o.timed(label, () =>
      pulumiMayFail(
        engine,
        ["up", "--yes", "--non-interactive", "--skip-preview", "--stack", stack, ...o.policyPack],
        {
          timeoutMs: 15 * 60_000,
        },
      ),
    );
  // `npm run verify` as CI runs it, on this host: cluster names resolved by the cluster's DNS.
  const npmCli = process.env.npm_execpath;
  const verify = () =>
    o.timed("npm run verify", () =>
      run(
        npmCli ? process.execPath : "npm",
        [...(npmCli ? [npmCli] : []), "run", "-s", "verify", "--", "--stack", stack, "--window", "0"],
        {
          cwd: ROOT,
          env: {
            ...engine.env,
            E2E_CLUSTER_DNS: node.dnsIp,
            NODE_OPTIONS: `--require ${join(__dirname, "cluster-dns.cjs")}`,
          },
          logFile: o.logFile,
          timeoutMs: 20 * 60_000,
        },
      ),
    );
  try {
    const first = await up(`rollback step: pulumi up (${service}:${GOOD_TAG} on ${node.name})`);
    const good = await deploymentImage(cluster, service);
    if (
      !checks.that(
        first.code === 0 && good === images.good[0],
        `rollback on real pods: pulumi up of ${service} (platform:only) and its database on ${node.name} with rollback.automatic succeeded in ${seconds(first.ms)}: ${await webPods(cluster, service)}`,
        `exit ${first.code}, image ${good}:\n${tail(`${first.stdout}\n${first.stderr}`, 25)}`,
      )
    )
      return;
    await pulumi(engine, [
      "config",
      "set",
      "--path",
      `platform:services.${service}.imageTag`,
      BROKEN_TAG,
      "--stack",
      stack,
    ]);
    const second = await up(`rollback step: pulumi up (${service}:${BROKEN_TAG})`);
    const broken = await deploymentImage(cluster, service);
    if (
      !checks.that(
        second.code === 0 && broken === images.broken[0]?.name,
        `rollback on real pods: the broken release ${broken} passed its rollout (pulumi up succeeded in ${seconds(second.ms)})`,
        `exit ${second.code}, image ${broken}:\n${tail(`${second.stdout}\n${second.stderr}`, 25)}`,
      )
    )
      return;
    // It breaks BREAK_AFTER after it started; readiness then fails 3 times 5 s apart.
    const left = await brokenPodsLeftRotation(cluster, service, broken, 150_000);
    if (!left)
      throw new E2EError(`the broken release never left rotation: ${await webPods(cluster, service)}`);
    const detected = await verify();
    const said = `${detected.stdout}\n${detected.stderr}`;
    const restored = await deploymentImage(cluster, service);
    const failure = said.split("\n").find((l) => l.includes(`FAILED ${service}`)) ?? "";
    checks.that(
      detected.code === 1 &&
        new RegExp(`FAILED ${service} \\(readiness\\)`).test(said) &&
        /rolled back; the release stays failed/.test(said) &&
        restored === images.good[0],
      `rollback on real pods: npm run verify detected the broken release (exit 1, "${failure.replace(/^verify [^:]+: /, "")}") and rolled the stack back automatically (stacks/rollback) in ${seconds(detected.ms)}: the Deployment runs ${restored} again`,
      `exit ${detected.code}, image ${restored}:\n${tail(said, 30)}`,
    );
    const rollout = await run(
      "kubectl",
      [
        "--context",
        cluster.context,
        "-n",
        NS,
        "rollout",
        "status",
        `deployment/${service}`,
        "--timeout=180s",
      ],
      { env: cluster.env, logFile: o.logFile },
    );
    const healthy = await verify();
    checks.that(
      rollout.code === 0 && healthy.code === 0 && /healthy/.test(healthy.stdout),
      `rollback on real pods: after the rollback ${service} serves the old image on ${node.name} and npm run verify passes: ${await webPods(cluster, service)}`,
      `rollout: ${rollout.stderr.trim()}; verify exit ${healthy.code}:\n${tail(`${healthy.stdout}\n${healthy.stderr}`, 20)}`,
    );
  } finally {
    const down = await pulumiMayFail(
      engine,
      ["destroy", "--yes", "--non-interactive", "--skip-preview", "--stack", stack],
      { timeoutMs: 10 * 60_000 },
    );
    if (down.code === 0) await pulumiMayFail(engine, ["stack", "rm", "--yes", "--stack", stack]);
    else o.log(`rollback step: destroy of ${stack} failed:\n${tail(`${down.stdout}\n${down.stderr}`, 15)}`);
    await unplace();
    if (existsSync(file)) rmSync(file, { force: true });
  }
}
