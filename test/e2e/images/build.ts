import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { debianImage, debianImagesUnavailable } from "./debian";
import { debianRecipes } from "./recipes";

// `node --require ./tools/fast-start.cjs --import tsx test/e2e/images/build.ts`: builds the real
// node's Debian-based images (every recipe of recipes.ts) into the cache, or finds them there, so
// that CI can build them as a step of its own within its time budget; the e2e's set-up otherwise
// builds them itself. Exit 0 also when this machine cannot build them (the e2e then says why).

async function main(): Promise<number> {
  const missing = await debianImagesUnavailable();
  if (missing) {
    console.log(`e2e images: SKIPPED (${missing})`);
    return 0;
  }
  const tmp = mkdtempSync(join(tmpdir(), "e2e-images-"));
  try {
    for (const recipe of Object.values(debianRecipes)) {
      const { archive, seconds } = await debianImage(recipe, {
        tmp,
        logFile: join(tmp, "build.log"),
        log: (m) => console.log(m),
      });
      console.log(
        `e2e images: ${recipe.name} ${seconds > 0 ? `built in ${seconds} s` : "cached"}: ${archive}`,
      );
    }
    return 0;
  } catch (error) {
    console.error(`e2e images: ${(error as Error).message}`);
    return 1;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().then((code) => process.exit(code));
