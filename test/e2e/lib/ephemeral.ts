import { copyFileSync, type Dirent, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { parseDocument } from "yaml";
import { projectCopy } from "./project-copy";
import { ROOT } from "./toolchain";

// `npm run ephemeral` reads its template from <project>/stacks/Pulumi.ci.yaml, and that template
// reaches the cluster through a stack reference to staging (platform:cluster.source:
// stack-reference). The e2e has no staging stack; its cluster is a kube context. So the CLI runs
// from a scratch copy of the project whose template says `source: context, context: kwok-<name>`
// and is otherwise the repository's (lib/project-copy.ts), plus the CLI's own files copied (it
// finds the project root from its own location). Stack config files of the ephemeral stacks land
// in that copy.

/** With `config`: more keys of the template (the real node's image overrides and request scale). */
export function ephemeralProject(dir: string, context: string, config: Record<string, unknown> = {}): string {
  projectCopy(dir);
  mkdirSync(join(dir, "stacks", "ephemeral"), { recursive: true });
  for (const f of readdirSync(join(ROOT, "stacks", "ephemeral"))) {
    if (f.endsWith(".ts"))
      copyFileSync(join(ROOT, "stacks", "ephemeral", f), join(dir, "stacks", "ephemeral", f));
  }
  const template = parseDocument(readFileSync(join(ROOT, "stacks", "Pulumi.ci.yaml"), "utf8"));
  template.setIn(["config", "platform:cluster"], template.createNode({ source: "context", context }));
  for (const [key, value] of Object.entries(config))
    template.setIn(["config", key], template.createNode(value));
  writeFileSync(join(dir, "stacks", "Pulumi.ci.yaml"), template.toString());
  return dir;
}

/**
 * Files (not directories: the file backend leaves empty ones behind) under the backend's .pulumi
 * directory that belong to `stack`: its state and .bak, its history, backups, tags and lock.
 */
export function backendFilesOf(stateDir: string, stack: string): string[] {
  const found: string[] = [];
  const root = join(stateDir, ".pulumi");
  const walk = (dir: string, segments: string[]) => {
    let entries: Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const path = join(dir, e.name);
      if (e.isDirectory()) {
        walk(path, [...segments, e.name]);
        continue;
      }
      const ours = [...segments, e.name].some((s) => s === stack || s.startsWith(`${stack}.`));
      if (ours) found.push(relative(stateDir, path));
    }
  };
  walk(root, []);
  return found;
}

/** Variable names of a dotenv file (KEY=value or KEY='value' lines). */
export function dotenvNames(text: string): string[] {
  return text
    .split("\n")
    .map((l) => /^(?:export\s+)?([A-Z][A-Z0-9_]*)=/.exec(l.trim())?.[1])
    .filter((n): n is string => n !== undefined);
}
