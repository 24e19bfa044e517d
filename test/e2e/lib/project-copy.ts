import { copyFileSync, mkdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./toolchain";

// A scratch copy of the project for commands that must run from a project root other than this
// checkout (their own stack files, their own files written in the working directory): the
// project's files copied, the program, components, policies, tools and node_modules symlinked to
// this checkout, and an empty stacks/ directory for the caller to fill. Stack config files that
// `pulumi stack init/select --create` writes land in the copy, never in the checkout's stacks/.

export function projectCopy(dir: string): string {
  mkdirSync(join(dir, "stacks"), { recursive: true });
  for (const f of ["Pulumi.yaml", "package.json", "tsconfig.json"]) copyFileSync(join(ROOT, f), join(dir, f));
  for (const d of ["infra", "components", "policies", "tools", "node_modules"]) {
    symlinkSync(join(ROOT, d), join(dir, d));
  }
  return dir;
}
