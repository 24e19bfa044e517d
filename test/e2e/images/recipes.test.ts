import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { images } from "../../../components/backing/images";
import { httpCacheImages } from "../../../components/http-cache/images";
import { debianRecipes } from "./recipes";

// The Debian-built images stand in for the pinned upstream ones: every recipe names the image it
// honours, runs as a non-root user, and its shell files are valid sh.

describe("Debian image recipes", () => {
  it.each(Object.entries(debianRecipes))(
    "%s honours a pinned upstream image and runs non-root",
    (_n, recipe) => {
      expect([...Object.values(images), ...Object.values(httpCacheImages)]).toContain(recipe.honours);
      expect(recipe.config.User).toMatch(/^[1-9][0-9]*:[1-9][0-9]*$/);
      expect(recipe.name).toMatch(/^docker\.io\/platform-e2e\/[a-z0-9-]+:[A-Za-z0-9_.-]+$/);
    },
  );

  it("their files are valid sh", () => {
    const dir = mkdtempSync(join(tmpdir(), "recipes-"));
    try {
      for (const recipe of Object.values(debianRecipes)) {
        for (const [path, content] of Object.entries(recipe.files as Record<string, string>)) {
          const file = join(dir, path.replaceAll("/", "_"));
          writeFileSync(file, content);
          expect(() => execFileSync("sh", ["-n", file])).not.toThrow();
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
