import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { debianImage, debianImagesUnavailable } from "../images/debian";
import { debianRecipes, recipeImageNames } from "../images/recipes";
import { nodeIp, type RealNode, realNodeUnavailable, startRealNode } from "../node";
import { rollbackImages } from "../node/rollback-step";
import { buildLogStandinImages } from "../standins/images";
import { type Cluster, installGatewayApi, startCluster } from "./cluster";
import { E2EError, onCleanup, run, tail } from "./proc";
import { type Engine, setupEngine } from "./pulumi";
import { type Timing, timer } from "./report";
import { buildPieces, buildToolchain, ROOT, type Toolchain } from "./toolchain";

// What the e2e and the benchmark share: the toolchain, a kwok cluster with the Gateway API CRDs,
// the engine (file backend, providers installed), and the policy pack config of our stacks.

export const GATEWAY_API_VERSION = "v1.6.1";

export interface Environment {
  toolchain: Toolchain;
  cluster: Cluster;
  engine: Engine;
  /**
   * `--policy-pack <repo>/policies --policy-pack-config <file>`: our pack with the config of our
   * stacks (`npm run policy -- config --stack local`: default.json with the local overlay).
   */
  policyPack: string[];
  /**
   * Joins the real node (kubelet + containerd) to the cluster, unless this machine cannot run one
   * (see `nodeSkipped`); its `stop()` takes it out again (Node object deleted). Join it only while
   * no stack is being deployed: the log shipper's DaemonSet tolerates every taint, so it puts a pod
   * on every node, and its image (Alloy) is not built here, so with the real node in the cluster
   * that DaemonSet never completes and `pulumi up` waits for it.
   */
  joinRealNode?: (moreAppImages?: readonly string[]) => Promise<RealNode>;
  /** Why there is no real node (printed; E2E_REAL_NODE=0 asks for none). */
  nodeSkipped?: string;
  /** The Debian-built backing images imported into the real node, by recipe (images/recipes.ts). */
  backingImages?: Record<keyof typeof debianRecipes, string>;
  /** Why there are none. */
  backingImagesSkipped?: string;
  /**
   * The stand-ins for the third-party images that cannot be built here (Loki, Alloy), by the
   * name `platform:images.overrides` takes.
   */
  standinImages?: Record<string, string>;
}

/** The toolchain piece `node` and the machine's prerequisites: undefined when a real node can run. */
async function realNodeBin(
  log: (message: string) => void,
  logFile: string,
): Promise<{ bin?: string; skipped?: string }> {
  if (process.env.E2E_REAL_NODE === "0") return { skipped: "E2E_REAL_NODE=0" };
  const early = await realNodeUnavailable(undefined);
  if (early) return { skipped: early };
  const { bin } = await buildPieces(["node"], log, logFile);
  const missing = await realNodeUnavailable(bin);
  return missing ? { skipped: missing } : { bin };
}

export async function setUp(o: {
  runId: string;
  tmp: string;
  logFile: string;
  log: (message: string) => void;
  timings: Timing[];
}): Promise<Environment> {
  const timed = timer(o.timings);

  const toolchain = await timed("toolchain (build.sh + language host)", () =>
    buildToolchain(o.log, o.logFile),
  );
  o.log(`toolchain: ${toolchain.bin}`);
  o.log(`toolchain: ${toolchain.engineBin} (pulumi ${toolchain.pulumiVersion} + pulumi-language-nodejs)`);
  if (!toolchain.randomProvider) {
    throw new E2EError(
      "build.sh did not produce pulumi-resource-random (piece random-provider): the program creates RandomPassword and RandomBytes, so `pulumi up` cannot run without it",
    );
  }

  const nodeBin = await timed("toolchain piece node (kubelet, kube-proxy, kube-router, CoreDNS)", () =>
    realNodeBin(o.log, o.logFile),
  );
  if (nodeBin.skipped) o.log(`real node: SKIPPED: ${nodeBin.skipped}`);
  const ip = nodeBin.bin ? await nodeIp() : undefined;

  let cluster: Cluster | undefined;
  onCleanup("cluster", async () => {
    await cluster?.stop();
  });
  cluster = await timed("cluster start + Gateway API CRDs", async () => {
    const c = await startCluster({
      name: `e2e-${o.runId}`,
      bin: toolchain.bin,
      workdir: join(o.tmp, "kwok"),
      kubeconfig: join(o.tmp, "kubeconfig"),
      nodes: 2,
      logFile: o.logFile,
      log: o.log,
      ...(ip ? { realNode: { apiServerSans: [ip] } } : {}),
    });
    cluster = c;
    await installGatewayApi(c, GATEWAY_API_VERSION, o.logFile, o.log);
    return c;
  });

  let node: RealNode | undefined;
  onCleanup("real node", async () => {
    await node?.stop();
  });
  let backingImages: Environment["backingImages"];
  let backingImagesSkipped: string | undefined;
  let standinImages: Environment["standinImages"];
  const archives: string[] = [];
  if (nodeBin.bin) {
    backingImagesSkipped = await debianImagesUnavailable();
    if (!backingImagesSkipped) {
      await timed("backing images from Debian packages (cached)", async () => {
        for (const recipe of Object.values(debianRecipes)) {
          archives.push((await debianImage(recipe, { tmp: o.tmp, logFile: o.logFile, log: o.log })).archive);
        }
      });
      backingImages = recipeImageNames();
    } else {
      o.log(`images: backing images SKIPPED: ${backingImagesSkipped}`);
    }
    // Loki and Alloy cannot be built here (test/e2e/README.md, "Stand-ins for Loki and Alloy").
    const standins = await timed("log stand-ins for Loki and Alloy (cached)", () =>
      buildLogStandinImages({ tmp: o.tmp, logFile: o.logFile }),
    );
    archives.push(...standins.archives);
    standinImages = standins.overrides;
  }
  const bin = nodeBin.bin;
  const c = cluster;
  const rollback = rollbackImages();
  const joinRealNode = bin
    ? async (moreAppImages: readonly string[] = []) => {
        if (node) throw new E2EError(`real node ${node.name} has already joined`);
        const joined = await timed("real node join (images, containerd, kubelet, network, DNS)", () =>
          startRealNode({
            cluster: c,
            bin,
            dir: join(o.tmp, "node"),
            logDir: dirname(o.logFile),
            logFile: o.logFile,
            log: o.log,
            taint: true,
            appImages: [...rollback.good, ...moreAppImages],
            brokenAppImages: rollback.broken,
            extraArchives: archives,
          }),
        );
        node = joined;
        return {
          ...joined,
          // Forgotten only once stopped: a stop refused mid-way (a signal arrived: no new command
          // starts outside cleanup) is run again, whole, by the cleanup.
          stop: async () => {
            await joined.stop();
            node = undefined;
          },
        };
      }
    : undefined;

  const engine = await setupEngine({
    tmp: o.tmp,
    toolchain,
    cluster,
    passphrase: randomBytes(18).toString("base64url"),
    logFile: o.logFile,
    log: o.log,
  });

  // The pack config of our stacks (exemptions such as the log shipper's hostPath mount live
  // there), as CI passes it to `pulumi preview/up --policy-pack-config`.
  const cfg = await run(
    process.execPath,
    [
      "--require",
      "./tools/fast-start.cjs",
      "--import",
      "tsx",
      "policies/cli.ts",
      "config",
      "--stack",
      "local",
    ],
    { cwd: ROOT, logFile: o.logFile },
  );
  if (cfg.code !== 0)
    throw new E2EError(`npm run policy -- config --stack local failed:\n${tail(cfg.stderr)}`);
  const policyConfig = join(o.tmp, "policy-config.json");
  writeFileSync(policyConfig, cfg.stdout);
  return {
    toolchain,
    cluster,
    engine,
    policyPack: ["--policy-pack", join(ROOT, "policies"), "--policy-pack-config", policyConfig],
    ...(joinRealNode ? { joinRealNode } : {}),
    ...(nodeBin.skipped ? { nodeSkipped: nodeBin.skipped } : {}),
    ...(backingImages ? { backingImages } : {}),
    ...(backingImagesSkipped ? { backingImagesSkipped } : {}),
    ...(standinImages ? { standinImages } : {}),
  };
}
