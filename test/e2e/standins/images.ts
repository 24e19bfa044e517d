import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { join, relative } from "node:path";
import type { loggingImages } from "../../../components/logging/images";
import { mustRun, run } from "../lib/proc";
import { cacheRoot, ROOT } from "../lib/toolchain";
import { goEnv, singleBinaryImage } from "../node/images";
import type { ImageConfig } from "../node/oci";

// The e2e's stand-ins for Grafana Loki and Grafana Alloy (this directory's Go module; why and
// what they honour: test/e2e/README.md, "Stand-ins for Loki and Alloy"), built as static binaries
// and OCI archives the way the contract app is (node/images.ts), cached by the module's sources
// and the Go version under ${PLATFORM_CACHE_DIR:-~/.cache/platform}/e2e-images/log-standins-<key>/.
// The e2e imports the archives and points `platform:images.overrides` at them.

export const STANDINS_MODULE = join(ROOT, "test", "e2e", "standins");

type PinnedName = keyof typeof loggingImages;

interface Standin {
  /** The Go package, in the module. */
  pkg: string;
  /** Where the image has the binary: the upstream image's entrypoint. */
  binary: string;
  repository: string;
  config: ImageConfig;
  /** Empty directories of the image: the paths the platform mounts. */
  dirs: string[];
}

/**
 * The stand-ins by the name of the pinned image each replaces (components/logging/images.ts), with
 * the upstream image's contract: its entrypoint and user, the ports and paths the platform uses.
 * Promtail has no stand-in: the local profile ships with Alloy.
 */
export const LOG_STANDINS = {
  loki: {
    pkg: "./loki",
    binary: "usr/bin/loki",
    repository: "docker.io/platform-e2e/loki-standin",
    // Loki's image runs as uid 10001, as the platform's securityContext does (in-cluster-loki.ts).
    config: { User: "10001:10001", Entrypoint: ["/usr/bin/loki"], ExposedPorts: { "3100/tcp": {} } },
    dirs: ["etc/loki", "var/loki", "tmp"],
  },
  alloy: {
    pkg: "./log-shipper",
    binary: "bin/alloy",
    repository: "docker.io/platform-e2e/log-shipper-standin",
    // Root, as the platform runs it (log-shipper.ts): the kubelet's log files are root's.
    config: {
      User: "0:0",
      Entrypoint: ["/bin/alloy"],
      Cmd: ["run", "/etc/alloy/config.alloy", "--storage.path=/var/lib/alloy/data"],
      ExposedPorts: { "12345/tcp": {} },
    },
    dirs: ["etc/shipper", "var/lib/alloy/data", "var/log/pods", "tmp"],
  },
} as const satisfies Partial<Record<PinnedName, Standin>>;

export type StandinName = keyof typeof LOG_STANDINS;

/** The module's go.mod, go.sum and non-test Go sources, in path order. */
function sources(dir = STANDINS_MODULE): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sources(path));
    else if (
      /^go\.(mod|sum)$/.test(entry.name) ||
      (entry.name.endsWith(".go") && !entry.name.endsWith("_test.go"))
    )
      out.push(path);
  }
  return out.sort();
}

async function standinsKey(): Promise<string> {
  const hash = createHash("sha256");
  for (const f of sources()) {
    hash
      .update(`${relative(STANDINS_MODULE, f)}\0`)
      .update(readFileSync(f))
      .update("\0");
  }
  hash.update((await run("go", ["version"], { env: goEnv() })).stdout);
  return hash.digest("hex").slice(0, 16);
}

export interface StandinBinaries {
  paths: Record<StandinName, string>;
  key: string;
  dir: string;
  /** Seconds spent building (0 when cached). */
  seconds: number;
}

/** Both stand-ins built as static binaries (cached by the module's sources and the Go version). */
export async function logStandinBinaries(logFile?: string): Promise<StandinBinaries> {
  const key = await standinsKey();
  const dir = join(cacheRoot(), "e2e-images", `log-standins-${key}`);
  const names = Object.keys(LOG_STANDINS) as StandinName[];
  const paths = Object.fromEntries(names.map((n) => [n, join(dir, n)])) as Record<StandinName, string>;
  const started = Date.now();
  let built = false;
  for (const name of names) {
    if (existsSync(paths[name])) continue;
    mkdirSync(dir, { recursive: true });
    const tmp = `${paths[name]}.tmp.${process.pid}`;
    await mustRun("go", ["build", "-trimpath", "-ldflags", "-s -w", "-o", tmp, LOG_STANDINS[name].pkg], {
      cwd: STANDINS_MODULE,
      env: goEnv(),
      ...(logFile ? { logFile } : {}),
      timeoutMs: 20 * 60_000,
    });
    renameSync(tmp, paths[name]);
    built = true;
  }
  return { paths, key, dir, seconds: built ? Math.round((Date.now() - started) / 1000) : 0 };
}

export interface LogStandinImages {
  /** OCI archives to import (`ctr images import`), one per stand-in. */
  archives: string[];
  /**
   * `platform:images.overrides` for a stack that should run them: the pinned image's name
   * (`loki`, `alloy`: keys of components/logging/images.ts) -> the stand-in's reference.
   */
  overrides: Record<StandinName, string>;
  /** Seconds spent building (0 when cached). */
  buildSeconds: number;
}

/** The stand-ins' images, built once and cached like the contract app's. */
export async function buildLogStandinImages(o: { tmp: string; logFile: string }): Promise<LogStandinImages> {
  const binaries = await logStandinBinaries(o.logFile);
  const started = Date.now();
  const work = join(o.tmp, "log-standin-images");
  mkdirSync(work, { recursive: true });
  const archives: string[] = [];
  const overrides = {} as Record<StandinName, string>;
  for (const name of Object.keys(LOG_STANDINS) as StandinName[]) {
    const s: Standin = LOG_STANDINS[name];
    const reference = `${s.repository}:${binaries.key}`;
    archives.push(
      await singleBinaryImage(
        work,
        join(binaries.dir, `${name}.tar`),
        { [s.binary]: binaries.paths[name] },
        { name: reference, config: s.config },
        s.dirs,
      ),
    );
    overrides[name] = reference;
  }
  rmSync(work, { recursive: true, force: true });
  return { archives, overrides, buildSeconds: binaries.seconds + Math.round((Date.now() - started) / 1000) };
}
