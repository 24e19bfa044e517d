import { createHash } from "node:crypto";
import {
  existsSync,
  linkSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
} from "node:fs";
import { copyFile } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { E2EError, mustRun, run } from "./proc";

// The toolchain of the e2e: the upstream pieces come from test/e2e/toolchain/build.sh (cached
// binaries keyed by its versions file); the Node.js language host is our own module
// (toolchain/nodejs-host), built here into a cache directory keyed by its sources. The engine
// finds a language host beside the `pulumi` binary it runs from, so that directory also gets a
// hard link (or a copy) of build.sh's `pulumi`: put it first on PATH.

export const ROOT = join(__dirname, "..", "..", "..");
const TOOLCHAIN = join(ROOT, "test", "e2e", "toolchain");
const HOST_SRC = join(TOOLCHAIN, "nodejs-host");

export interface Toolchain {
  /** build.sh's bin directory: kwokctl, kube-*, etcd, kwok, the providers. */
  bin: string;
  /** `pulumi` and `pulumi-language-nodejs`, side by side. */
  engineBin: string;
  /** Path of pulumi-resource-random, or undefined when the stand-in could not be built. */
  randomProvider: string | undefined;
  pulumiVersion: string;
  /** Seconds spent in build.sh and in building the language host (0 when cached). */
  buildSeconds: { upstream: number; host: number };
}

/**
 * `build.sh <pieces>` (cached binaries are reused): the optional pieces, such as `node` for the
 * real node. Returns the bin directory (the same as the default pieces') and the seconds spent.
 */
export async function buildPieces(
  pieces: readonly string[],
  log: (message: string) => void,
  logFile: string,
): Promise<{ bin: string; seconds: number }> {
  log(`toolchain: test/e2e/toolchain/build.sh ${pieces.join(" ")}`);
  const r = await run("bash", [join(TOOLCHAIN, "build.sh"), ...pieces], {
    cwd: ROOT,
    logFile,
    timeoutMs: 60 * 60_000,
    onOutput: (text) => {
      for (const line of text.split("\n")) {
        if (/^\[toolchain [0-9:]+\] .*(building|built in|ERROR)/.test(line)) {
          log(`  ${line.replace(/^\[toolchain [0-9:]+\] /, "")}`);
        }
      }
    },
  });
  if (r.code !== 0) {
    throw new E2EError(
      `test/e2e/toolchain/build.sh ${pieces.join(" ")} failed (exit ${r.code}); see ${logFile}:\n${r.stderr.trim().split("\n").slice(-15).join("\n")}`,
    );
  }
  return { bin: r.stdout.trim().split("\n").pop() ?? "", seconds: Math.round(r.ms / 1000) };
}

export function cacheRoot(): string {
  return process.env.PLATFORM_CACHE_DIR ?? join(homedir(), ".cache", "platform");
}

function goEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    GOTOOLCHAIN: "local",
    GOFLAGS: "-mod=readonly -buildvcs=false",
    CGO_ENABLED: "0",
    PATH: `${process.env.PATH ?? ""}:/usr/local/go/bin`,
  };
}

/** Key of the language host build: its go.mod, go.sum and Go sources, and the Go version. */
async function hostKey(): Promise<string> {
  const files = readdirSync(HOST_SRC)
    .filter((f) => f === "go.mod" || f === "go.sum" || f.endsWith(".go"))
    .sort();
  const hash = createHash("sha256");
  for (const f of files)
    hash
      .update(`${f}\0`)
      .update(readFileSync(join(HOST_SRC, f)))
      .update("\0");
  const go = await run("go", ["version"], { env: goEnv() });
  hash.update(go.stdout);
  return hash.digest("hex").slice(0, 16);
}

/** `dest` becomes the same file as `src`: a hard link when possible, else a copy. */
async function linkInto(src: string, dest: string): Promise<void> {
  if (existsSync(dest)) {
    const a = statSync(src);
    const b = statSync(dest);
    if (a.ino === b.ino && a.dev === b.dev) return;
  }
  const tmp = `${dest}.tmp.${process.pid}`;
  rmSync(tmp, { force: true });
  try {
    linkSync(src, tmp);
  } catch {
    await copyFile(src, tmp);
  }
  renameSync(tmp, dest);
}

export async function buildToolchain(log: (message: string) => void, logFile: string): Promise<Toolchain> {
  // 1. The upstream pieces (build.sh prints progress on stderr and the bin directory last).
  log("toolchain: test/e2e/toolchain/build.sh (cached binaries are reused)");
  const upstream = await run("bash", [join(TOOLCHAIN, "build.sh")], {
    cwd: ROOT,
    logFile,
    timeoutMs: 150 * 60_000,
    onOutput: (text) => {
      for (const line of text.split("\n")) {
        if (/^\[toolchain [0-9:]+\] .*(building|built in|modules ready|ERROR|done in)/.test(line)) {
          log(`  ${line.replace(/^\[toolchain [0-9:]+\] /, "")}`);
        }
      }
    },
  });
  if (upstream.code !== 0) {
    throw new E2EError(
      `test/e2e/toolchain/build.sh failed (exit ${upstream.code}); see ${logFile}:\n${upstream.stderr.trim().split("\n").slice(-15).join("\n")}`,
    );
  }
  const bin = upstream.stdout.trim().split("\n").pop() ?? "";
  for (const name of ["pulumi", "pulumi-resource-kubernetes", "kwokctl", "kwok", "etcd", "kube-apiserver"]) {
    if (!existsSync(join(bin, name)))
      throw new E2EError(`build.sh finished but ${join(bin, name)} is missing`);
  }
  const randomPath = join(bin, "pulumi-resource-random");
  const randomProvider = existsSync(randomPath) ? randomPath : undefined;
  const upstreamSeconds = Math.round(upstream.ms / 1000);

  // 2. Our Node.js language host: beside `pulumi` already when build.sh builds it (a piece
  // `nodejs-host`), otherwise built here into its own cache directory.
  if (existsSync(join(bin, "pulumi-language-nodejs"))) {
    log(`toolchain: pulumi-language-nodejs from build.sh (${bin})`);
    const version = await mustRun(join(bin, "pulumi"), ["version"], { logFile });
    return {
      bin,
      engineBin: bin,
      randomProvider,
      pulumiVersion: version.stdout.trim(),
      buildSeconds: { upstream: upstreamSeconds, host: 0 },
    };
  }
  const key = await hostKey();
  const engineBin = join(cacheRoot(), "e2e-toolchain", `nodejs-host-${key}`, "bin");
  const host = join(engineBin, "pulumi-language-nodejs");
  let hostSeconds = 0;
  if (existsSync(host)) {
    log(`toolchain: pulumi-language-nodejs cached (${dirname(host)})`);
  } else {
    log(`toolchain: building pulumi-language-nodejs (test/e2e/toolchain/nodejs-host, key ${key})`);
    mkdirSync(engineBin, { recursive: true });
    const tmp = `${host}.tmp.${process.pid}`;
    const started = Date.now();
    await mustRun(
      "go",
      ["build", "-trimpath", "-ldflags", `-s -w -X main.version=0.1.0+${key}`, "-o", tmp, "."],
      {
        cwd: HOST_SRC,
        env: goEnv(),
        logFile,
        timeoutMs: 30 * 60_000,
      },
    );
    renameSync(tmp, host);
    hostSeconds = Math.round((Date.now() - started) / 1000);
    log(`toolchain: pulumi-language-nodejs built in ${hostSeconds} s`);
  }
  await linkInto(join(bin, "pulumi"), join(engineBin, "pulumi"));

  const version = await mustRun(join(engineBin, "pulumi"), ["version"], { logFile });
  return {
    bin,
    engineBin,
    randomProvider,
    pulumiVersion: version.stdout.trim(),
    buildSeconds: { upstream: upstreamSeconds, host: hostSeconds },
  };
}
