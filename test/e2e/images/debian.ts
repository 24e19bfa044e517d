import { createHash } from "node:crypto";
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { mustRun, run } from "../lib/proc";
import { cacheRoot } from "../lib/toolchain";
import { type ImageConfig, ociArchive } from "../node/oci";

// Backing-service images built from Debian packages with mmdebstrap (no registry, no Docker):
// one root filesystem layer per recipe, plus the files of the recipe (an entrypoint that honours
// the upstream image's contract). Cached under ${PLATFORM_CACHE_DIR:-~/.cache/platform}/e2e-images/
// by the recipe's content and the suite; SOURCE_DATE_EPOCH=0 and sorted tar entries make the same
// package versions give the same layer.

export const DEBIAN_SUITE = "bookworm";

export interface DebianImageRecipe {
  /** The reference the e2e imports it under: docker.io/platform-e2e/<name>:<version>-bookworm. */
  name: string;
  /** The upstream image whose contract (environment, ports, user, data path) it honours. */
  honours: string;
  packages: string[];
  /** Files to add: path in the image -> content (executable). */
  files: Record<string, string>;
  /** Shell commands run on the finished root ("$1" is its path): users, directories, clean-up. */
  hooks: string[];
  config: ImageConfig;
}

function recipeKey(recipe: DebianImageRecipe): string {
  return createHash("sha256")
    .update(JSON.stringify({ suite: DEBIAN_SUITE, recipe }))
    .digest("hex")
    .slice(0, 16);
}

/** Why this machine cannot build Debian images, or undefined. */
export async function debianImagesUnavailable(): Promise<string | undefined> {
  if ((await run("sh", ["-c", "command -v mmdebstrap"])).code !== 0) {
    return "mmdebstrap is not installed (Debian: apt-get install mmdebstrap)";
  }
  return undefined;
}

/** The recipe's OCI archive, built once per recipe content. */
export async function debianImage(
  recipe: DebianImageRecipe,
  o: { tmp: string; logFile: string; log: (m: string) => void },
): Promise<{ archive: string; seconds: number }> {
  const key = recipeKey(recipe);
  const dir = join(cacheRoot(), "e2e-images", "debian");
  const archive = join(dir, `${recipe.name.replace(/[^A-Za-z0-9.-]+/g, "_")}-${key}.tar`);
  if (existsSync(archive)) return { archive, seconds: 0 };
  mkdirSync(dir, { recursive: true });
  const work = join(o.tmp, `debian-${key}`);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const started = Date.now();
  o.log(
    `images: building ${recipe.name} from Debian ${DEBIAN_SUITE} packages (${recipe.packages.join(", ")})`,
  );
  const hooks: string[] = [];
  for (const [path, content] of Object.entries(recipe.files)) {
    const local = join(work, createHash("sha256").update(path).digest("hex").slice(0, 12));
    writeFileSync(local, content);
    hooks.push(`--customize-hook=mkdir -p "$1${path.slice(0, path.lastIndexOf("/"))}"`);
    hooks.push(`--customize-hook=upload ${local} ${path}`);
    hooks.push(`--customize-hook=chmod 0755 "$1${path}"`);
  }
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
      DEBIAN_SUITE,
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
