import { readFileSync, statSync } from "node:fs";
import {
  type Document,
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseDocument,
  visit,
} from "yaml";
import type { InputProblem } from "../../components/errors/input-error";

// Reads one service spec file into plain data, or says what is wrong with it as YAML: syntax
// (file:line:column), duplicate keys, anchors and aliases (never needed in a spec, and the way to
// a billion-laughs file), several documents, an empty file, a document that is not a mapping.

/** A spec is a few dozen lines; anything much larger is not one. */
const MAX_BYTES = 256 * 1024;

export interface SpecFile {
  /** The path as shown to people: relative to the repository, or as given on the command line. */
  shown: string;
  data: Record<string, unknown>;
  /** `file:line:col` of the value at `path` (or its key, or the nearest enclosing node that exists). */
  locate(path: readonly PropertyKey[], at?: "key" | "value"): string;
}

export type SpecFileResult = { file: SpecFile } | { problem: InputProblem };

export function readSpecFile(absolute: string, shown: string): SpecFileResult {
  const fail = (problem: string, fix: string, where = shown, field = "(file)"): SpecFileResult => ({
    problem: { source: where, field, problem, fix },
  });
  let text: string;
  try {
    if (statSync(absolute).size > MAX_BYTES) {
      return fail(
        `is larger than ${MAX_BYTES / 1024} KiB`,
        "a service spec is a few dozen lines: check the file",
      );
    }
    text = readFileSync(absolute, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return fail(
      code === "ENOENT" ? "does not exist" : `cannot be read (${code ?? (error as Error).message})`,
      "check the path of the service spec",
    );
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number | undefined) => {
    const p = lines.linePos(offset ?? 0);
    return `${shown}:${p.line}:${p.col}`;
  };
  const yamlError = doc.errors[0] ?? doc.warnings[0];
  if (yamlError) {
    const fix =
      yamlError.code === "DUPLICATE_KEY"
        ? "keep one of the two keys"
        : yamlError.code === "MULTIPLE_DOCS"
          ? "keep one document (one service) per file, without '---' separators"
          : yamlError.code === "TAG_RESOLVE_FAILED"
            ? "remove the tag: a spec holds plain strings, numbers, booleans, lists and mappings"
            : "fix the YAML syntax there (indentation, a ':' after each key, closed quotes and brackets)";
    return fail(`invalid YAML: ${firstLine(yamlError.message)}`, fix, at(yamlError.pos[0]), "(syntax)");
  }
  let alias: Node | undefined;
  visit(doc, {
    Alias(_, node) {
      alias = node;
      return visit.BREAK;
    },
  });
  if (alias) {
    return fail(
      `uses the alias ${String(alias)}: anchors and aliases are not accepted in service specs`,
      "write the value out in full",
      at(alias.range?.[0]),
      "(syntax)",
    );
  }
  if (doc.contents === null) {
    return fail("is empty", "write the service spec: name, description, dependsOn, readinessPath and web");
  }
  if (!isMap(doc.contents)) {
    const what = isSeq(doc.contents) ? "a list" : "a single value";
    return fail(
      `holds ${what}, not a mapping of fields`,
      "write one service as `key: value` lines (name, description, dependsOn, readinessPath, web)",
      at(doc.contents.range?.[0]),
      "(top level)",
    );
  }
  const data = doc.toJS({ maxAliasCount: 0 }) as Record<string, unknown>;
  return { file: { shown, data, locate: (path, where) => at(offsetOf(doc, path, where)) } };
}

function firstLine(message: string): string {
  return (message.split("\n")[0] ?? message).replace(/ at line \d+, column \d+:?$/, "");
}

/** Offset of the value at `path`, or of the key when the value is missing, or of its parent. */
function offsetOf(doc: Document, path: readonly PropertyKey[], where = "value"): number | undefined {
  let node: unknown = doc.contents;
  let offset = (doc.contents as Node | null)?.range?.[0];
  for (const key of path) {
    if (isMap(node)) {
      const pair = node.items.find(
        (p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(key),
      );
      if (!pair) return offset;
      offset = (pair.key as Node).range?.[0] ?? offset;
      if (where === "key" && key === path.at(-1)) return offset;
      node = pair.value;
    } else if (isSeq(node) && typeof key === "number") {
      node = node.items[key];
    } else {
      return offset;
    }
    if (node && !isAlias(node)) offset = (node as Node).range?.[0] ?? offset;
  }
  return offset;
}
