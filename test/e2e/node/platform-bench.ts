import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { parse, stringify } from "yaml";
import type { Cluster } from "../lib/cluster";
import { stateNamespaces, viewCluster } from "../lib/platform";
import { E2EError, onCleanup, tail } from "../lib/proc";
import { type Engine, exportState, initTemporaryStack, pulumi, pulumiMayFail } from "../lib/pulumi";
import { placeStackOnRealNode } from "./placement";
import { type RealPodsStack, UPDATE_TAG } from "./platform-step";
import { podTimeline, type WhereTheTimeGoes } from "./timeline";

// `npm run bench:e2e` on real pods: the whole platform's stack (platform-step.ts) on the real node,
// `runs` times: up from an empty cluster until every workload is Ready, one image tag changed,
// destroy; then the same stack limited to one service and what it depends on (`platform:only`):
// up and destroy. Each `pulumi up|destroy --yes --skip-preview` with the policy pack, as CI runs
// them; images are pre-loaded (no pull is timed).

export interface RealPodsFigures {
  up: number[];
  update: number[];
  destroy: number[];
  oneServiceUp: number[];
  oneServiceDestroy: number[];
  /** Where each whole-platform up went. */
  timelines: WhereTheTimeGoes[];
  /** The service of the update and the one-service stack. */
  service: string;
}

export async function benchPlatformOnRealPods(
  cluster: Cluster,
  engine: Engine,
  o: {
    stack: RealPodsStack;
    updatedImage: string;
    policyPack: string[];
    runs: number;
    dir: string;
    logFile: string;
    log: (message: string) => void;
  },
): Promise<RealPodsFigures> {
  const service = /\/([^/:]+):[^:/]+$/.exec(o.updatedImage)?.[1];
  if (!service) throw new E2EError(`cannot tell the service of ${o.updatedImage}`);
  const one = { ...o.stack, name: `${o.stack.name}-one`, file: o.stack.file.replace(/\.yaml$/, "-one.yaml") };
  const doc = parse(readFileSync(o.stack.file, "utf8")) as { config: Record<string, unknown> };
  doc.config["platform:only"] = [service];
  onCleanup(`stack file of ${one.name}`, () => rmSync(one.file, { force: true }));
  writeFileSync(one.file, `# Written by test/e2e (bench: one service on the real node).\n${stringify(doc)}`);
  await initTemporaryStack(engine, o.stack.name, { configFile: o.stack.file });
  await initTemporaryStack(engine, one.name, { configFile: one.file });
  const unplace = await placeStackOnRealNode(cluster, {
    namespace: o.stack.namespace,
    logsNamespace: o.stack.logsNamespace,
    logsOnRealNode: true,
    dir: o.dir,
    logFile: o.logFile,
  });
  const op = async (stack: string, args: string[]) => {
    const r = await pulumiMayFail(
      engine,
      [...args, "--yes", "--non-interactive", "--skip-preview", "--stack", stack],
      { timeoutMs: 25 * 60_000 },
    );
    if (r.code !== 0)
      throw new E2EError(`pulumi ${args[0]} of ${stack} failed:\n${tail(`${r.stdout}\n${r.stderr}`, 30)}`);
    return r.ms;
  };
  const f: RealPodsFigures = {
    up: [],
    update: [],
    destroy: [],
    oneServiceUp: [],
    oneServiceDestroy: [],
    timelines: [],
    service,
  };
  const tag = `platform:services.${service}.imageTag`;
  try {
    for (let i = 1; i <= o.runs; i++) {
      await pulumiMayFail(engine, ["config", "rm", "--path", tag, "--stack", o.stack.name]);
      const started = Date.now();
      f.up.push(await op(o.stack.name, ["up", ...o.policyPack]));
      const state = (await exportState(engine, o.stack.name)).resources;
      const t = podTimeline(await viewCluster(cluster, stateNamespaces(state)), started);
      f.timelines.push(t);
      o.log(`real pods run ${i}/${o.runs}: up ${(f.up.at(-1) ?? 0) / 1000} s; ${t.summary}`);
      await pulumi(engine, ["config", "set", "--path", tag, UPDATE_TAG, "--stack", o.stack.name]);
      f.update.push(await op(o.stack.name, ["up", ...o.policyPack]));
      f.destroy.push(await op(o.stack.name, ["destroy"]));
      f.oneServiceUp.push(await op(one.name, ["up", ...o.policyPack]));
      f.oneServiceDestroy.push(await op(one.name, ["destroy"]));
      o.log(
        `real pods run ${i}/${o.runs}: update ${(f.update.at(-1) ?? 0) / 1000} s, destroy ${(f.destroy.at(-1) ?? 0) / 1000} s, ${service} alone: up ${(f.oneServiceUp.at(-1) ?? 0) / 1000} s, destroy ${(f.oneServiceDestroy.at(-1) ?? 0) / 1000} s`,
      );
    }
  } finally {
    await unplace();
  }
  return f;
}
