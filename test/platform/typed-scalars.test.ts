import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { isPlatformInputError } from "../../components/errors/input-error";
import { loadCatalog } from "../../infra/catalog/load";
import { validateStackConfig } from "../../infra/config/load";
import { readStackFile } from "../../tools/plan/stack-file";

// A boolean written the YAML 1.1 way (`yes`, `on`) or a number written as a string: every
// boolean and number of the committed local stack and of a catalog spec, rewritten so, is one
// problem at its field whose fix says how to write it.

const ROOT = join(__dirname, "..", "..");
const CATALOG = join(ROOT, "infra", "catalog", "services");
const SPELLINGS = { true: ["yes", "on", "y", "True"], false: ["no", "off", "n", "False"] };

type Leaf = { path: string[]; value: boolean | number };

function leaves(value: unknown, path: string[] = []): Leaf[] {
  if (typeof value === "boolean" || typeof value === "number") return [{ path, value }];
  if (value === null || typeof value !== "object") return [];
  return Object.entries(value).flatMap(([k, v]) => leaves(v, [...path, k]));
}

function setAt(root: unknown, path: string[], value: unknown): unknown {
  const copy = structuredClone(root) as Record<string, unknown>;
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string, unknown>;
  node[path.at(-1) as string] = value;
  return copy;
}

function rewrites(leaf: Leaf): string[] {
  return typeof leaf.value === "boolean"
    ? SPELLINGS[String(leaf.value) as "true" | "false"]
    : [String(leaf.value)];
}

const expectedFix = (leaf: Leaf) =>
  typeof leaf.value === "boolean" ? /fix: write true or false, unquoted/ : /fix: write the number unquoted: /;

describe("stack file: booleans and numbers written as strings", () => {
  const { config } = readStackFile(ROOT, "local");
  const values: Record<string, unknown> = Object.fromEntries(
    Object.entries(config).map(([k, v]) => {
      try {
        return [k.replace(/^platform:/, ""), JSON.parse(v)];
      } catch {
        return [k.replace(/^platform:/, ""), v];
      }
    }),
  );
  // Top-level scalars reach the program as text and are parsed (as `pulumi config` hands them):
  // a quoted top-level number is the number. Nested ones keep their YAML type.
  const typed = leaves(values).filter((l) => typeof l.value === "boolean" || l.path.length > 1);
  it("the local stack has booleans and nested numbers", () => {
    expect(typed.some((l) => typeof l.value === "boolean")).toBe(true);
    expect(typed.some((l) => typeof l.value === "number")).toBe(true);
  });
  for (const leaf of typed) {
    for (const written of rewrites(leaf)) {
      it(`${leaf.path.join(".")}: ${JSON.stringify(written)}`, () => {
        const changed = setAt(values, leaf.path, written) as Record<string, unknown>;
        const problems = validateStackConfig(changed, "stacks/Pulumi.local.yaml").problems;
        expect(problems).toHaveLength(1);
        expect(problems[0]?.field).toBe(`platform:${leaf.path.join(".")}`);
        expect(`fix: ${problems[0]?.fix}`).toMatch(expectedFix(leaf));
      });
    }
  }
});

describe("service spec: booleans and numbers written as strings", () => {
  const file =
    readdirSync(CATALOG)
      .filter((f) => f.endsWith(".yaml"))
      .sort()
      .find((f) => leaves(parse(readFileSync(join(CATALOG, f), "utf8"))).length > 0) ?? "";
  const spec = parse(readFileSync(join(CATALOG, file), "utf8"));
  for (const leaf of leaves(spec)) {
    for (const written of rewrites(leaf)) {
      it(`${file} ${leaf.path.join(".")}: ${JSON.stringify(written)}`, () => {
        const path = join(mkdtempSync(join(tmpdir(), "typed-")), file);
        writeFileSync(path, stringify(setAt(spec, leaf.path, written)));
        let message = "";
        try {
          loadCatalog({ specFiles: [path] });
        } catch (error) {
          if (!isPlatformInputError(error)) throw error;
          message = error.message;
        }
        expect(message.split("\n")).toHaveLength(2);
        expect(message).toMatch(expectedFix(leaf));
      });
    }
  }
});
