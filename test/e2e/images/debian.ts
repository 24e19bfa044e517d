import { createHash } from "node:crypto";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { mustRun, run } from "../lib/proc";
import { cacheRoot } from "../lib/toolchain";
import { type ImageConfig, ociArchive } from "../node/oci";

// Backing-service images built from Debian packages with mmdebstrap (no registry, no Docker):
// one root filesystem layer per recipe, plus the files of the recipe (an entrypoint that honours
// the upstream image's contract) and, for a recipe that needs them, npm packages installed on the
// host from a committed lockfile (npm checks every tarball against its integrity; nothing is
// fetched inside the image). Cached under ${PLATFORM_CACHE_DIR:-~/.cache/platform}/e2e-images/ by
// the recipe's content, its suite and its lockfile; SOURCE_DATE_EPOCH=0 and sorted tar entries make
// the same package versions give the same layer.

export type DebianSuite = "bookworm" | "trixie";

/** The suite of the recipes that name none. */
export const DEBIAN_SUITE: DebianSuite = "bookworm";

/** npm packages for an image: `npm ci` of a package.json and package-lock.json kept in this repository. */
export interface NpmStage {
  /** The directory holding package.json and package-lock.json, relative to this file. */
  lockDir: string;
  /** Where that directory, with its node_modules, lands in the image. */
  into: string;
}

export interface DebianImageRecipe {
  /** The reference the e2e imports it under: docker.io/platform-e2e/<name>:<version>-<suite>. */
  name: string;
  /** The upstream image whose contract (environment, ports, user, data path) it honours. */
  honours: string;
  /** The Debian suite its packages come from. @default DEBIAN_SUITE (bookworm) */
  suite?: DebianSuite;
  packages: string[];
  /** npm packages installed on the host and copied in before `files` and `hooks`. @default none */
  npm?: NpmStage;
  /** Executables to add (entrypoints): path in the image -> content (mode 0755). */
  files: Record<string, string>;
  /** Configuration files to add: path in the image -> content (mode 0644). @default none */
  configFiles?: Record<string, string>;
  /** Shell commands run on the finished root ("$1" is its path): users, directories, clean-up. */
  hooks: string[];
  config: ImageConfig;
}

export function recipeSuite(recipe: DebianImageRecipe): DebianSuite {
  return recipe.suite ?? DEBIAN_SUITE;
}

function npmLockFiles(stage: NpmStage): string[] {
  return ["package.json", "package-lock.json"].map((f) => join(__dirname, stage.lockDir, f));
}

function recipeKey(recipe: DebianImageRecipe): string {
  const hash = createHash("sha256").update(JSON.stringify({ suite: recipeSuite(recipe), recipe }));
  for (const file of recipe.npm ? npmLockFiles(recipe.npm) : []) hash.update("\0").update(readFileSync(file));
  return hash.digest("hex").slice(0, 16);
}

/** The archive a recipe builds into (present once built). */
export function debianImageArchive(recipe: DebianImageRecipe): string {
  return join(
    cacheRoot(),
    "e2e-images",
    "debian",
    `${recipe.name.replace(/[^A-Za-z0-9.-]+/g, "_")}-${recipeKey(recipe)}.tar`,
  );
}

/** Why this machine cannot build Debian images, or undefined. */
export async function debianImagesUnavailable(): Promise<string | undefined> {
  if ((await run("sh", ["-c", "command -v mmdebstrap"])).code !== 0) {
    return "mmdebstrap is not installed (Debian: apt-get install mmdebstrap)";
  }
  if ((await run("sh", ["-c", "command -v npm"])).code !== 0) {
    return "npm is not on PATH (the Azurite image installs its npm packages with it)";
  }
  return undefined;
}

/** The recipe's OCI archive, built once per recipe content. */
export async function debianImage(
  recipe: DebianImageRecipe,
  o: { tmp: string; logFile: string; log: (m: string) => void },
): Promise<{ archive: string; seconds: number }> {
  const archive = debianImageArchive(recipe);
  if (existsSync(archive)) return { archive, seconds: 0 };
  mkdirSync(join(archive, ".."), { recursive: true });
  const key = recipeKey(recipe);
  const suite = recipeSuite(recipe);
  const work = join(o.tmp, `debian-${key}`);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const started = Date.now();
  o.log(`images: building ${recipe.name} from Debian ${suite} packages (${recipe.packages.join(", ")})`);
  const hooks: string[] = [];
  if (recipe.npm) {
    const staged = await npmStage(recipe.npm, join(work, "npm"), o.logFile);
    hooks.push(`--customize-hook=mkdir -p "$1${recipe.npm.into}"`);
    hooks.push(`--customize-hook=sync-in ${staged} ${recipe.npm.into}`);
  }
  const add = (files: Record<string, string>, mode: string) => {
    for (const [path, content] of Object.entries(files)) {
      const local = join(work, createHash("sha256").update(path).digest("hex").slice(0, 12));
      writeFileSync(local, content);
      hooks.push(`--customize-hook=mkdir -p "$1${path.slice(0, path.lastIndexOf("/"))}"`);
      hooks.push(`--customize-hook=upload ${local} ${path}`);
      hooks.push(`--customize-hook=chmod ${mode} "$1${path}"`);
    }
  };
  add(recipe.files, "0755");
  add(recipe.configFiles ?? {}, "0644");
  for (const h of recipe.hooks) hooks.push(`--customize-hook=${h}`);
  const rootfs = join(work, "rootfs.tar");
  await mustRun(
    "mmdebstrap",
    [
      "--variant=essential",
      `--include=${recipe.packages.join(",")}`,
      "--dpkgopt=path-exclude=/usr/share/doc/*",
      "--dpkgopt=path-exclude=/usr/share/man/*",
      "--dpkgopt=path-exclude=/usr/share/locale/*",
      "--dpkgopt=path-exclude=/usr/share/info/*",
      ...hooks,
      // Package lists and caches are not part of the image.
      '--customize-hook=rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/* "$1"/var/log/*',
      suite,
      rootfs,
    ],
    { env: { ...process.env, SOURCE_DATE_EPOCH: "0" }, logFile: o.logFile, timeoutMs: 30 * 60_000 },
  );
  const tmp = `${archive}.tmp.${process.pid}`;
  await ociArchive({ name: recipe.name, layers: [rootfs], config: recipe.config }, work, tmp);
  renameSync(tmp, archive);
  rmSync(work, { recursive: true, force: true });
  const seconds = Math.round((Date.now() - started) / 1000);
  o.log(`images: ${recipe.name} built in ${seconds} s`);
  return { archive, seconds };
}

/** `npm ci` of the stage's lockfile into `dir` (production dependencies, no install scripts). */
async function npmStage(stage: NpmStage, dir: string, logFile: string): Promise<string> {
  mkdirSync(dir, { recursive: true });
  for (const file of npmLockFiles(stage))
    copyFileSync(file, join(dir, file.slice(file.lastIndexOf("/") + 1)));
  await mustRun("npm", ["ci", "--omit=dev", "--ignore-scripts", "--no-audit", "--no-fund"], {
    cwd: dir,
    logFile,
    timeoutMs: 15 * 60_000,
  });
  return dir;
}
