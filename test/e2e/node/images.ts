import { createHash } from "node:crypto";
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
} from "node:fs";
import { join } from "node:path";
import { mustRun, run } from "../lib/proc";
import { cacheRoot, ROOT } from "../lib/toolchain";
import { SANDBOX_IMAGE } from "./containerd";
import { type ImageSpec, layerFromDir, ociArchive } from "./oci";

// The images the real node runs, built here and cached like the toolchain, under
// ${PLATFORM_CACHE_DIR:-~/.cache/platform}/e2e-images/<key>/: the contract app (tools/contract-app,
// one name per catalog service, as the platform names images), the sandbox stand-in and CoreDNS.

const CONTRACT_APP = join(ROOT, "tools", "contract-app");
/** The non-root user of the contract app's image (the platform's pods set the same). */
const APP_USER = "10001:10001";

export interface NodeImages {
  /** Archives to import: one per image. */
  archives: string[];
  /** The contract app under a name of its own (the feasibility step). */
  contractApp: string;
  coredns: string;
  /** Seconds spent building (0 when cached). */
  buildSeconds: number;
}

/** The environment of every Go build of the e2e's images: the local toolchain, static, read-only modules. */
export function goEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    GOTOOLCHAIN: "local",
    GOFLAGS: "-mod=readonly -buildvcs=false",
    CGO_ENABLED: "0",
    PATH: `${process.env.PATH ?? ""}:/usr/local/go/bin`,
  };
}

/** Key of the contract app: its go.mod, go.sum and Go sources, and the Go version. */
async function contractAppKey(): Promise<string> {
  const hash = createHash("sha256");
  for (const f of readdirSync(CONTRACT_APP)
    .filter((f) => /^go\.(mod|sum)$|\.go$/.test(f))
    .sort()) {
    hash
      .update(`${f}\0`)
      .update(readFileSync(join(CONTRACT_APP, f)))
      .update("\0");
  }
  hash.update((await run("go", ["version"], { env: goEnv() })).stdout);
  return hash.digest("hex").slice(0, 16);
}

/** tools/contract-app built as the image's /usr/local/bin/php (cached by its sources). */
export async function contractAppBinary(
  logFile: string,
): Promise<{ path: string; key: string; seconds: number }> {
  const key = await contractAppKey();
  const dir = join(cacheRoot(), "e2e-images", `contract-app-${key}`);
  const path = join(dir, "php");
  if (existsSync(path)) return { path, key, seconds: 0 };
  mkdirSync(dir, { recursive: true });
  const started = Date.now();
  const tmp = `${path}.tmp.${process.pid}`;
  await mustRun("go", ["build", "-trimpath", "-ldflags", "-s -w", "-o", tmp, "."], {
    cwd: CONTRACT_APP,
    env: goEnv(),
    logFile,
    timeoutMs: 20 * 60_000,
  });
  renameSync(tmp, path);
  return { path, key, seconds: Math.round((Date.now() - started) / 1000) };
}

/**
 * One single-layer image from `files` (path in the image -> file on disk), with empty directories
 * `dirs` (mount points and working directories).
 */
export async function singleBinaryImage(
  workdir: string,
  out: string,
  files: Record<string, string>,
  spec: Omit<ImageSpec, "layers">,
  dirs: readonly string[] = ["app", "tmp"],
): Promise<string> {
  if (existsSync(out)) return out;
  const root = join(workdir, "root");
  rmSync(root, { recursive: true, force: true });
  for (const [inImage, onDisk] of Object.entries(files)) {
    const target = join(root, inImage);
    mkdirSync(join(target, ".."), { recursive: true });
    copyFileSync(onDisk, target);
    chmodSync(target, 0o755);
  }
  for (const dir of dirs) mkdirSync(join(root, dir), { recursive: true });
  const layer = await layerFromDir(root, join(workdir, "layer.tar"));
  await ociArchive({ ...spec, layers: [layer] }, workdir, out);
  rmSync(root, { recursive: true, force: true });
  rmSync(layer, { force: true });
  return out;
}

/** An image of the contract app that fails readiness `breakAfter` (a Go duration) after it starts. */
export interface BrokenAppImage {
  name: string;
  breakAfter: string;
}

export const COREDNS_IMAGE_REPOSITORY = "docker.io/platform-e2e/coredns";

/**
 * The contract app under every name in `appImages` (the catalog's image references), the sandbox
 * stand-in, and CoreDNS from the toolchain's `coredns` binary.
 */
export async function buildNodeImages(o: {
  appImages: readonly string[];
  /** The contract app as a deliberately broken release (tools/contract-app/fault.go). */
  brokenAppImages?: readonly BrokenAppImage[];
  corednsBinary: string;
  tmp: string;
  logFile: string;
}): Promise<NodeImages> {
  const app = await contractAppBinary(o.logFile);
  const started = Date.now();
  const dir = join(cacheRoot(), "e2e-images", `contract-app-${app.key}`);
  const work = join(o.tmp, "image-build");
  mkdirSync(work, { recursive: true });
  const archives: string[] = [];
  const appConfig = {
    User: APP_USER,
    Env: ["PATH=/usr/local/bin"],
    WorkingDir: "/app",
    Cmd: ["php", "serve"],
    ExposedPorts: { "80/tcp": {}, "2019/tcp": {} },
  };
  const contractApp = `docker.io/platform-e2e/contract-app:${app.key}`;
  for (const name of [...new Set([contractApp, ...o.appImages])].sort()) {
    const file = join(dir, `${createHash("sha256").update(name).digest("hex").slice(0, 16)}.tar`);
    archives.push(
      await singleBinaryImage(work, file, { "usr/local/bin/php": app.path }, { name, config: appConfig }),
    );
  }
  for (const broken of o.brokenAppImages ?? []) {
    const file = join(
      dir,
      `${createHash("sha256").update(JSON.stringify(broken)).digest("hex").slice(0, 16)}.tar`,
    );
    const config = { ...appConfig, Env: [...appConfig.Env, `CONTRACT_APP_BREAK_AFTER=${broken.breakAfter}`] };
    archives.push(
      await singleBinaryImage(work, file, { "usr/local/bin/php": app.path }, { name: broken.name, config }),
    );
  }
  archives.push(
    await singleBinaryImage(
      work,
      join(dir, "pause.tar"),
      { pause: app.path },
      { name: SANDBOX_IMAGE, config: { User: "65535:65535", Entrypoint: ["/pause", "pause"] } },
    ),
  );
  const dnsKey = createHash("sha256").update(readFileSync(o.corednsBinary)).digest("hex").slice(0, 12);
  const coredns = `${COREDNS_IMAGE_REPOSITORY}:${dnsKey}`;
  archives.push(
    await singleBinaryImage(
      work,
      join(cacheRoot(), "e2e-images", `coredns-${dnsKey}.tar`),
      { coredns: o.corednsBinary },
      { name: coredns, config: { Entrypoint: ["/coredns"], ExposedPorts: { "53/udp": {}, "53/tcp": {} } } },
    ),
  );
  rmSync(work, { recursive: true, force: true });
  return {
    archives,
    contractApp,
    coredns,
    buildSeconds: app.seconds + Math.round((Date.now() - started) / 1000),
  };
}
