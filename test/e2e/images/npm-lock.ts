import { readFileSync } from "node:fs";
import { join } from "node:path";

// What a recipe's committed npm lockfile pins, read from it rather than restated: the version of a
// package and the commands it links on PATH (`bin`, as npm records it in lockfile version 3).

export interface LockedPackage {
  version: string;
  integrity: string;
  /** Command -> script, relative to the package's directory. */
  bin?: Record<string, string>;
  /** The runtimes it declares it needs (`node: ">=22.0.0"`). */
  engines?: { node?: string };
}

/** `name` as `<lockDir>/package-lock.json` (relative to this directory) pins it. */
export function lockedPackage(lockDir: string, name: string): LockedPackage {
  const lock = JSON.parse(readFileSync(join(__dirname, lockDir, "package-lock.json"), "utf8")) as {
    packages: Record<string, LockedPackage | undefined>;
  };
  const found = lock.packages[`node_modules/${name}`];
  if (!found) throw new Error(`test/e2e/images/${lockDir}/package-lock.json locks no package ${name}`);
  return found;
}
