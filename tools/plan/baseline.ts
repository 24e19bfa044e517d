import { spawnSync } from "node:child_process";
import {
  existsSync,
  lstatSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { parse } from "yaml";
import { manifestPaths } from "./manifest-names";
import type { PlanSnapshot } from "./plan-diff";
import type { ResourceRecord } from "./render";

// The baseline of `npm run plan -- --diff <dir|git ref>`:
// - a directory: a plan's output (`out/<stack>/`, or an `out/` holding `<stack>/`), such as the
//   artifact of main's last pipeline; read as it is;
// - anything else is a git ref (`origin/main`, a tag, a commit): its tree is exported with
//   `git archive` to a temporary directory (nothing in the repository changes, no worktree is
//   registered), planned there with that ref's own program and catalog and this checkout's
//   node_modules, and removed.
// Manifests are identified by their content (manifest-names.ts), so a baseline written by an
// older version of the plan compares object by object too.

export class BaselineError extends Error {}

export interface Baseline {
  label: string;
  snapshot: PlanSnapshot;
}

export function loadBaseline(spec: string, stack: string, root: string): Baseline {
  if (existsSync(spec)) {
    if (!statSync(spec).isDirectory())
      throw new BaselineError(`--diff ${spec}: a file, not a plan directory`);
    return { label: spec, snapshot: readPlanDirectory(planDirectoryIn(spec, stack)) };
  }
  const commit = git(root, ["rev-parse", "--verify", "--quiet", `${spec}^{commit}`]);
  if (commit.status !== 0)
    throw new BaselineError(`--diff ${spec}: neither a plan directory nor a git ref of this repository`);
  return {
    label: `${spec} (${commit.stdout.trim().slice(0, 12)})`,
    snapshot: planRef(root, commit.stdout.trim(), stack),
  };
}

/** `dir` itself when it holds a plan, else `dir/<stack>`. */
function planDirectoryIn(dir: string, stack: string): string {
  if (existsSync(join(dir, "resources.json"))) return dir;
  if (existsSync(join(dir, stack, "resources.json"))) return join(dir, stack);
  throw new BaselineError(
    `--diff ${dir}: no plan there (neither ${dir}/resources.json nor ${dir}/${stack}/resources.json)`,
  );
}

export function readPlanDirectory(dir: string): PlanSnapshot {
  const manifestsDir = join(dir, "manifests");
  const objects = existsSync(manifestsDir)
    ? files(manifestsDir).map((file) => {
        try {
          return parse(readFileSync(file, "utf8")) as Record<string, unknown>;
        } catch (error) {
          throw new BaselineError(
            `--diff: ${relative(dir, file)} is not valid YAML: ${(error as Error).message.split("\n")[0]}`,
          );
        }
      })
    : [];
  const paths = manifestPaths(objects);
  let resources: ResourceRecord[];
  try {
    resources = JSON.parse(readFileSync(join(dir, "resources.json"), "utf8")) as ResourceRecord[];
  } catch (error) {
    throw new BaselineError(`--diff: ${join(dir, "resources.json")}: ${(error as Error).message}`);
  }
  return { manifests: new Map(objects.map((o, i) => [paths[i] as string, o])), resources };
}

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((e) =>
      e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith(".yaml") ? [join(dir, e.name)] : [],
    );
}

function git(root: string, args: string[]) {
  return spawnSync("git", ["-C", root, ...args], { encoding: "utf8", maxBuffer: 1 << 30 });
}

/** Plans `commit` in a temporary export of its tree, with `--no-policy`: only the objects matter. */
function planRef(root: string, commit: string, stack: string): PlanSnapshot {
  const work = mkdtempSync(join(tmpdir(), "plan-baseline-"));
  try {
    const tree = join(work, "tree");
    const archive = join(work, "tree.tar");
    const exported = git(root, ["archive", "--format=tar", "-o", archive, commit]);
    if (exported.status !== 0)
      throw new BaselineError(`--diff: git archive ${commit}: ${exported.stderr.trim()}`);
    const untar = spawnSync("sh", ["-c", 'mkdir -p "$1" && tar -xf "$2" -C "$1"', "sh", tree, archive], {
      encoding: "utf8",
    });
    if (untar.status !== 0) throw new BaselineError(`--diff: extracting ${commit}: ${untar.stderr.trim()}`);
    for (const modules of ["node_modules", join("policies", "node_modules")]) {
      const target = join(tree, modules);
      if (existsSync(join(root, modules)) && existsSync(join(target, "..")) && !isPresent(target))
        symlinkSync(join(root, modules), target);
    }
    if (!existsSync(join(tree, "stacks", `Pulumi.${stack}.yaml`)))
      throw new BaselineError(`--diff: stacks/Pulumi.${stack}.yaml does not exist at ${commit.slice(0, 12)}`);
    const out = join(work, "out");
    const run = spawnSync("npm", ["run", "-s", "plan", "--", "--stack", stack, "--out", out, "--no-policy"], {
      cwd: tree,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      maxBuffer: 1 << 26,
    });
    if (run.status !== 0 || !existsSync(join(out, stack))) {
      const why = (run.stderr || run.stdout).trim().split("\n").slice(-1)[0] ?? `exit ${run.status}`;
      throw new BaselineError(`--diff: the plan of ${commit.slice(0, 12)} failed: ${why}`);
    }
    return readPlanDirectory(join(out, stack));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Present, even as a (dangling) symbolic link. */
function isPresent(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}
