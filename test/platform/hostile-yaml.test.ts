import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isMap, isScalar, LineCounter, type Node, parseDocument, visit } from "yaml";
import { isPlatformInputError } from "../../components/errors/input-error";
import { loadCatalog } from "../../infra/catalog/load";
import { SPEC_MAX_BYTES } from "../../infra/catalog/spec-file";
import { FORBIDDEN_KEYS } from "../../infra/input/forbidden-keys";
import { readStackFile, STACK_FILE_MAX_BYTES, StackFileError } from "../../tools/plan/stack-file";

// The two kinds of YAML file users hand the platform (stack files, service specs), each taken
// from the repository and altered the way hostile or careless input is: every variant is one
// message at file:line:col, with a fix, and nothing is read further.

const ROOT = join(__dirname, "..", "..");
const CATALOG = join(ROOT, "infra", "catalog", "services");

interface Variant {
  name: string;
  text: string;
  /** 1-based line the message must point at, when the variant has one place. */
  line?: number;
  problem: RegExp;
}

function lineOf(text: string, offset: number): number {
  const counter = new LineCounter();
  parseDocument(text, { lineCounter: counter });
  return counter.linePos(offset).line;
}

/** Each plain scalar of the file with its source range, in document order. */
function scalars(text: string): Array<{ value: unknown; start: number; end: number }> {
  const found: Array<{ value: unknown; start: number; end: number }> = [];
  visit(parseDocument(text), {
    Pair(_, pair) {
      const v = pair.value as Node | null;
      if (isScalar(v) && v.range) found.push({ value: v.value, start: v.range[0], end: v.range[1] });
    },
  });
  return found;
}

function splice(text: string, start: number, end: number, replacement: string): string {
  return text.slice(0, start) + replacement + text.slice(end);
}

/** The deepest mapping's path, so a key is injected at the greatest nesting the file has. */
function deepestMapPath(text: string): string[] {
  let best: string[] = [];
  const walk = (node: unknown, path: string[]) => {
    if (!isMap(node)) return;
    if (path.length > best.length) best = path;
    for (const pair of node.items)
      walk(pair.value, [...path, String((pair.key as { value: unknown }).value)]);
  };
  walk(parseDocument(text).contents, []);
  return best;
}

function variants(text: string, maxBytes: number): Variant[] {
  const all = scalars(text);
  const integer = all.find((s) => Number.isInteger(s.value) && (s.value as number) > 0);
  const string = all.find((s) => typeof s.value === "string");
  if (!integer || !string) throw new Error("the file has no integer or no string value to alter");
  const out: Variant[] = [];
  for (const key of FORBIDDEN_KEYS) {
    const doc = parseDocument(text);
    const path = deepestMapPath(text);
    doc.setIn([...path, key], "x");
    const altered = doc.toString();
    out.push({
      name: `the key ${key} at ${path.join(".") || "the top"}`,
      text: altered,
      line: altered.split("\n").findIndex((l) => l.trimStart().startsWith(`${key}:`)) + 1,
      problem: new RegExp(`has the key "${key}"`),
    });
  }
  for (const spelling of [".inf", "-.inf", ".nan", "1e309"]) {
    out.push({
      name: `${spelling} for a number`,
      text: splice(text, integer.start, integer.end, spelling),
      line: lineOf(text, integer.start),
      problem: /is not a finite number/,
    });
  }
  for (const spelling of [`0${integer.value}`, `${integer.value}_000`]) {
    out.push({
      name: `${spelling}, a number YAML 1.1 reads differently`,
      text: splice(text, integer.start, integer.end, spelling),
      line: lineOf(text, integer.start),
      problem: /is ambiguous: YAML 1\.1 .* reads .*, YAML 1\.2 reads/,
    });
  }
  out.push({
    name: "an explicit tag",
    text: splice(text, string.start, string.end, "!!binary aGVsbG8="),
    line: lineOf(text, string.start),
    problem: /uses the explicit tag !!binary/,
  });
  out.push({
    name: "an anchor and an alias",
    text: splice(
      splice(text, integer.start, integer.end, "*n"),
      string.start,
      string.end,
      `&n ${text.slice(string.start, string.end)}`,
    ),
    problem: /uses the alias \*n: anchors and aliases are not accepted/,
  });
  out.push({
    name: "two documents",
    text: `${text}\n---\n${text}`,
    problem: /holds several YAML documents/,
  });
  out.push({
    name: `more than ${maxBytes} bytes`,
    text: `${text}\n${`# ${"x".repeat(78)}\n`.repeat(Math.ceil(maxBytes / 80) + 1)}`,
    problem: /is larger than/,
  });
  return out;
}

function expectOneMessage(message: string, file: string, v: Variant): void {
  const lines = message.split("\n");
  expect(lines, message).toHaveLength(2);
  expect(lines[0]).toMatch(v.problem);
  expect(lines[1]).toMatch(/^ {2}fix: \S/);
  expect(message).not.toMatch(/\n\s+at /);
  if (v.line !== undefined) expect(lines[0]?.startsWith(`${file}:${v.line}:`), lines[0]).toBe(true);
}

describe("a stack file altered as hostile YAML", () => {
  const text = readFileSync(join(ROOT, "stacks", "Pulumi.local.yaml"), "utf8");
  for (const v of variants(text, STACK_FILE_MAX_BYTES)) {
    it(`${v.name}: one message at the place, nothing read`, () => {
      const root = mkdtempSync(join(tmpdir(), "hostile-stack-"));
      mkdirSync(join(root, "stacks"));
      writeFileSync(join(root, "stacks", "Pulumi.edge.yaml"), v.text);
      let message = "";
      try {
        readStackFile(root, "edge");
      } catch (error) {
        expect(error).toBeInstanceOf(StackFileError);
        message = (error as Error).message;
      }
      expect(message, "the stack file was accepted").not.toBe("");
      expectOneMessage(message, "stacks/Pulumi.edge.yaml", v);
    });
  }
});

describe("a service spec altered as hostile YAML", () => {
  const first = readdirSync(CATALOG)
    .filter((f) => f.endsWith(".yaml"))
    .sort()[0] as string;
  const text = readFileSync(join(CATALOG, first), "utf8");
  for (const v of variants(text, SPEC_MAX_BYTES)) {
    it(`${v.name}: one message at the place, nothing read`, () => {
      const dir = mkdtempSync(join(tmpdir(), "hostile-spec-"));
      const file = join(dir, first);
      writeFileSync(file, v.text);
      let message = "";
      try {
        loadCatalog({ specFiles: [file] });
      } catch (error) {
        expect(isPlatformInputError(error)).toBe(true);
        message = (error as Error).message;
      }
      expect(message, "the spec was accepted").not.toBe("");
      expectOneMessage(message, file, v);
    });
  }
});

describe("npm run plan with a hostile spec file", () => {
  it("exits 2 with one message, no stack trace, and leaves no plan directory", () => {
    const first = readdirSync(CATALOG)
      .filter((f) => f.endsWith(".yaml"))
      .sort()[0] as string;
    const text = readFileSync(join(CATALOG, first), "utf8");
    const [v] = variants(text, SPEC_MAX_BYTES);
    if (!v) throw new Error("no variant");
    const dir = mkdtempSync(join(tmpdir(), "hostile-plan-"));
    writeFileSync(join(dir, first), v.text);
    const out = join(dir, "out");
    const run = spawnSync(
      process.execPath,
      [
        "--require",
        "./tools/fast-start.cjs",
        "--import",
        "tsx",
        "tools/plan.ts",
        "--no-policy",
        "--out",
        out,
        "--service-spec",
        join(dir, first),
      ],
      { cwd: ROOT, encoding: "utf8", env: { ...process.env, CI: "1" } },
    );
    expect(run.status, run.stderr).toBe(2);
    expect(run.stderr).toMatch(v.problem);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(join(out, "local"))).toBe(false);
  }, 60_000);
});
