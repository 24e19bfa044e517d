import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Checks } from "../lib/report";
import { startContainerd } from "../node/containerd";
import { debianImage, debianImageArchive, debianImagesUnavailable } from "./debian";
import { debianRecipes } from "./recipes";
import { azuriteVerification } from "./verification/azurite";
import type { PodRuntime } from "./verification/pod";
import { rabbitmqVerification } from "./verification/rabbitmq";
import { renderStack } from "./verification/rendered";
import type { ImageVerification } from "./verification/verification";

// `node --require ./tools/fast-start.cjs --import tsx test/e2e/images/verify.ts [rabbitmq|azurite ...]`:
// runs the Debian-built images the way the platform runs them, from what `npm run plan` renders for
// the local stack (with images.overrides naming these images): each pod's container under a
// private containerd (its own root, state and socket in a temporary directory) with the rendered
// user, environment, arguments, read-only root and volumes, in a network namespace of its own with
// only a loopback interface; then checks them as their clients use them (verification/*.ts).
// Builds an image first when it is not cached (test/e2e/images/build.ts). Prints
// "N passed, M failed"; exit 1 on a failure, 0 with "SKIPPED (reason)" when this machine cannot run
// containers (not root, no containerd, runc, ctr or unshare). The containers' logs stay in the
// temporary directory it names after a failure, or with E2E_IMAGES_KEEP=1.

const VERIFICATIONS: readonly ImageVerification[] = [rabbitmqVerification, azuriteVerification];

/** Inside the private network namespace (set when this script re-runs itself there). */
const IN_NETNS = "E2E_IMAGES_NETNS";

/** Why this machine cannot run the verification, or undefined. */
export function verificationUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return "not root (containers, mounts and network namespaces need it)";
  for (const cmd of ["containerd", "ctr", "runc", "unshare", "ip"]) {
    if (spawnSync("sh", ["-c", `command -v ${cmd}`]).status !== 0) {
      return `${cmd} is not installed (Debian: apt-get install containerd runc util-linux iproute2)`;
    }
  }
  return undefined;
}

function selected(args: readonly string[]): ImageVerification[] {
  if (args.length === 0) return [...VERIFICATIONS];
  return args.map((a) => {
    const v = VERIFICATIONS.find((x) => x.recipe === a);
    if (!v)
      throw new Error(`no verification for ${a} (known: ${VERIFICATIONS.map((x) => x.recipe).join(", ")})`);
    return v;
  });
}

/** Outside the namespace: build what is missing (this needs the network), then run again inside. */
async function outside(args: readonly string[]): Promise<number> {
  const missing = verificationUnavailable();
  if (missing) {
    console.log(`e2e images verification: SKIPPED (${missing})`);
    return 0;
  }
  const verifications = selected(args);
  const tmp = mkdtempSync(join(tmpdir(), "e2e-images-verify-"));
  try {
    for (const v of verifications) {
      const recipe = debianRecipes[v.recipe];
      if (existsSync(debianImageArchive(recipe))) continue;
      const unbuildable = await debianImagesUnavailable();
      if (unbuildable) {
        console.log(`e2e images verification: SKIPPED (${recipe.name} is not built and ${unbuildable})`);
        return 0;
      }
      await debianImage(recipe, { tmp, logFile: join(tmp, "build.log"), log: (m) => console.log(m) });
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  const r = spawnSync(
    "unshare",
    [
      "--net",
      "--",
      "sh",
      "-c",
      'ip link set lo up && exec "$@"',
      "sh",
      process.execPath,
      ...process.execArgv,
      __filename,
      ...args,
    ],
    { stdio: "inherit", env: { ...process.env, [IN_NETNS]: "1" } },
  );
  return r.status ?? 1;
}

/** Inside the namespace: containerd, the images, the rendered stack, the checks. */
async function inside(args: readonly string[]): Promise<number> {
  const verifications = selected(args);
  const dir = mkdtempSync(join(tmpdir(), "e2e-images-verify-"));
  const checks = new Checks((m) => console.log(m));
  const containerd = await startContainerd(join(dir, "containerd"), dir);
  try {
    const rt: PodRuntime = {
      containerd,
      dir: join(dir, "pods"),
      netns: `/proc/${process.pid}/ns/net`,
      runId: `e2e-images-${process.pid}`,
    };
    mkdirSync(rt.dir, { recursive: true });
    console.log("rendering stacks/Pulumi.local.yaml with images.overrides (test/e2e/images/overrides.ts)");
    const stack = await renderStack("local");
    for (const v of verifications) {
      const recipe = debianRecipes[v.recipe];
      await containerd.ctr(["images", "import", debianImageArchive(recipe)]);
      const started = Date.now();
      console.log(`${recipe.name} (honours ${recipe.honours}):`);
      try {
        await v.verify(rt, stack, { name: recipe.name, config: recipe.config }, checks);
      } catch (error) {
        checks.fail(`${v.recipe}: ${(error as Error).message}`);
      }
      console.log(`  (${((Date.now() - started) / 1000).toFixed(1)} s; container logs in ${rt.dir})`);
    }
  } finally {
    await containerd.stop();
    if (checks.failures.length === 0 && !process.env.E2E_IMAGES_KEEP)
      rmSync(dir, { recursive: true, force: true });
    else console.log(`kept for a look: ${dir}`);
  }
  console.log(`${checks.passed} passed, ${checks.failures.length} failed`);
  return checks.failures.length === 0 ? 0 : 1;
}

if (require.main === module) {
  const args = process.argv.slice(2);
  (process.env[IN_NETNS] ? inside(args) : outside(args)).then(
    (code) => process.exit(code),
    (error: Error) => {
      console.error(`e2e images verification: ${error.message}`);
      process.exit(1);
    },
  );
}
