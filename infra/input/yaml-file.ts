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
  Scalar,
  visit,
} from "yaml";
import type { InputProblem } from "../../components/errors/input-error";
import { isForbiddenKey } from "./forbidden-keys";

// Reads one YAML file that people edit (a service spec, a stack file) into plain data, or says
// what is wrong with it as YAML, at file:line:column: syntax, duplicate keys, several documents,
// an empty file, a document that is not a mapping, and what plain data never needs: anchors and
// aliases (the way to a billion-laughs file), explicit tags (`!!binary`), keys that are not
// plain names or that name JavaScript object internals (`__proto__`), numbers that are not
// finite (`.inf`, `.nan`, `1e309`), and numbers that YAML 1.1 readers (kubectl, Helm, the Go
// YAML library of the Pulumi CLI) read differently from YAML 1.2 (`010`, `1_000`).

export interface YamlFile {
  /** The path as shown to people: relative to the repository, or as given on the command line. */
  shown: string;
  data: Record<string, unknown>;
  /** `file:line:col` of the value at `path` (or its key, or the nearest enclosing node that exists). */
  locate(path: readonly PropertyKey[], at?: "key" | "value"): string;
}

/** Why a file was refused: a missing or empty file may mean something else to a caller. */
export type YamlFileRefusal = "missing" | "empty" | "invalid";

export type YamlFileResult = { file: YamlFile } | { problem: InputProblem; refusal: YamlFileRefusal };

export interface YamlFileKind {
  /** What the file is, in messages: "a service spec". */
  what: string;
  /** Largest accepted size; anything bigger is not such a file. */
  maxBytes: number;
  /** How to write the file when it is empty or not a mapping. */
  shape: string;
}

export function readYamlFile(absolute: string, shown: string, kind: YamlFileKind): YamlFileResult {
  const fail = (
    problem: string,
    fix: string,
    where = shown,
    field = "(file)",
    refusal: YamlFileRefusal = "invalid",
  ): YamlFileResult => ({ problem: { source: where, field, problem, fix }, refusal });
  let text: string;
  try {
    const stat = statSync(absolute);
    if (!stat.isFile()) return fail("is not a regular file", `point at ${kind.what} file`);
    if (stat.size > kind.maxBytes) {
      return fail(
        `is larger than ${kind.maxBytes / 1024} KiB (${stat.size.toLocaleString("en")} bytes)`,
        `${kind.what} is never that large: check the file`,
      );
    }
    text = readFileSync(absolute, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return fail(
      code === "ENOENT" ? "does not exist" : `cannot be read (${code ?? (error as Error).message})`,
      `check the path of ${kind.what}`,
      shown,
      "(file)",
      code === "ENOENT" ? "missing" : "invalid",
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
          ? "keep one document per file, without '---' separators"
          : yamlError.code === "TAG_RESOLVE_FAILED"
            ? "remove the tag: plain strings, numbers, booleans, lists and mappings only"
            : "fix the YAML syntax there (indentation, a ':' after each key, closed quotes and brackets)";
    const problem =
      yamlError.code === "MULTIPLE_DOCS" ? "holds several YAML documents" : firstLine(yamlError.message);
    return fail(`invalid YAML: ${problem}`, fix, at(yamlError.pos[0]), "(syntax)");
  }
  const content = contentProblem(doc);
  if (content) return fail(content.problem, content.fix, at(content.offset), "(syntax)");
  if (doc.contents === null) return fail("is empty", kind.shape, shown, "(file)", "empty");
  if (!isMap(doc.contents)) {
    const what = isSeq(doc.contents) ? "a list" : "a single value";
    return fail(
      `holds ${what}, not a mapping of fields`,
      kind.shape,
      at(doc.contents.range?.[0]),
      "(top level)",
    );
  }
  const data = doc.toJS({ maxAliasCount: 0 }) as Record<string, unknown>;
  return { file: { shown, data, locate: (path, where) => at(offsetOf(doc, path, where)) } };
}

interface ContentProblem {
  problem: string;
  fix: string;
  offset: number | undefined;
}

const TAG_FIX =
  "remove the tag: plain strings, numbers, booleans, lists and mappings only (quote a value to keep it a string)";

/** The first node that plain data never needs (see the top of the file), or nothing. */
function contentProblem(doc: Document): ContentProblem | undefined {
  let found: ContentProblem | undefined;
  const stop = (node: Node, problem: string, fix: string) => {
    found = { problem, fix, offset: node.range?.[0] };
    return visit.BREAK;
  };
  visit(doc, {
    Alias(_, node) {
      return stop(
        node,
        `uses the alias ${String(node)}: anchors and aliases are not accepted`,
        "write the value out in full",
      );
    },
    Pair(_, pair) {
      const key = pair.key;
      if (!isScalar(key) || (key.value !== null && typeof key.value === "object")) {
        return stop(
          (key as Node) ?? (pair.value as Node),
          "has a key that is a list or a mapping",
          "write keys as plain names",
        );
      }
      if (isForbiddenKey(String(key.value))) {
        return stop(
          key,
          `has the key "${String(key.value)}", which names JavaScript object internals and no setting`,
          "remove it",
        );
      }
      return undefined;
    },
    Map(_, node) {
      return node.tag === undefined
        ? undefined
        : stop(node, `uses the explicit tag ${shownTag(node.tag)}`, TAG_FIX);
    },
    Seq(_, node) {
      return node.tag === undefined
        ? undefined
        : stop(node, `uses the explicit tag ${shownTag(node.tag)}`, TAG_FIX);
    },
    Scalar(_, node) {
      if (node.tag !== undefined) return stop(node, `uses the explicit tag ${shownTag(node.tag)}`, TAG_FIX);
      return scalarProblem(node, stop);
    },
  });
  return found;
}

function scalarProblem(
  node: Scalar,
  stop: (node: Node, problem: string, fix: string) => typeof visit.BREAK,
): typeof visit.BREAK | undefined {
  const source = node.source ?? "";
  if (typeof node.value === "number" && !Number.isFinite(node.value)) {
    return stop(node, `${source} is not a finite number`, "write a number within the field's range");
  }
  if (node.type !== Scalar.PLAIN) return undefined;
  // YAML 1.1 (kubectl, Helm, Go's YAML library) reads 010 as 8 and 1_000 as 1000; YAML 1.2 as 10 and "1_000".
  if (/^[-+]?0[0-9_]+$/.test(source) || /^[-+]?[0-9][0-9]*(_[0-9]+)+$/.test(source)) {
    const plain = source.replace(/_/g, "");
    const yaml11 = /^[-+]?0[0-7]+$/.test(plain) ? Number.parseInt(plain, 8) : Number(plain);
    return stop(
      node,
      `${source} is ambiguous: YAML 1.1 (kubectl, Helm, the Pulumi CLI) reads ${yaml11}, YAML 1.2 reads ${JSON.stringify(node.value)}`,
      `write the number you mean without leading zeros or '_' (e.g. ${Number(plain)}), or quote it for a string`,
    );
  }
  return undefined;
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

/** `tag:yaml.org,2002:binary` as it was written, `!!binary`. */
function shownTag(tag: string): string {
  return tag.replace(/^tag:yaml\.org,2002:/, "!!");
}
