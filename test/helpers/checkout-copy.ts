import { execFileSync } from "node:child_process";
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

// A throw-away copy of this checkout (tracked and new files, node_modules linked), for tests that
// run the plan's command line against a changed catalog or stack file, or against git history.

const ROOT = join(__dirname, "..", "..");

export function copyCheckout(): string {
  const copy = mkdtempSync(join(tmpdir(), "checkout-"));
  const files = execFileSync("git", ["ls-files", "-co", "--exclude-standard", "-z"], {
    cwd: ROOT,
    encoding: "utf8",
  })
    .split("\0")
    .filter((f) => f && !f.startsWith("test/e2e/") && statExists(join(ROOT, f)));
  for (const file of files) {
    mkdirSync(dirname(join(copy, file)), { recursive: true });
    cpSync(join(ROOT, file), join(copy, file));
  }
  symlinkSync(join(ROOT, "node_modules"), join(copy, "node_modules"));
  return copy;
}

function statExists(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Makes the copy a git repository with everything committed, for `--diff <git ref>`. */
export function commitAll(copy: string, message: string): void {
  const git = (...args: string[]) =>
    execFileSync("git", ["-c", "user.name=test", "-c", "user.email=test@example.com", ...args], {
      cwd: copy,
      stdio: "pipe",
    });
  git("init", "-q");
  git("add", "-A");
  git("commit", "-q", "-m", message);
}

/**
 * Replaces one value in the catalog's source, whatever its form (TypeScript or YAML files under
 * infra/catalog/): the value must occur exactly once as a whole value there.
 */
export function editCatalogValue(copy: string, value: string, replacement: string): void {
  const escaped = value.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  const pattern = new RegExp(`(?<![\\w/.-])${escaped}(?![\\w/.-])`, "g");
  const hits: Array<[file: string, text: string]> = [];
  for (const file of walk(join(copy, "infra", "catalog"))) {
    const text = readFileSync(file, "utf8");
    const found = text.match(pattern)?.length ?? 0;
    for (let i = 0; i < found; i++) hits.push([file, text]);
  }
  if (hits.length !== 1)
    throw new Error(`${value} occurs ${hits.length} times in the catalog source, not once`);
  const [file, text] = hits[0] as [string, string];
  writeFileSync(file, text.replace(pattern, replacement));
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : /\.(ts|ya?ml|json)$/.test(e.name) ? [join(dir, e.name)] : [],
  );
}
