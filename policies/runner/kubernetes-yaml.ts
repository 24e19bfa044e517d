// Kubernetes YAML and JSON -> AnalyzedResource: multi-document files, directories (recursively, .yaml/.yml/.json),
// or stdin ("-"). Each object becomes the resource Pulumi would create for it: type token from
// apiVersion + kind (core group -> kubernetes:core/v1:Kind, others kubernetes:<group>/<version>:Kind),
// Pulumi name `<namespace>/<name>` as yaml.ConfigFile names them, props = the object. `List` objects
// (and `*List` kinds with items) are expanded.
//
// Scalars resolve as kubectl reads them (go-yaml v2, see ./go-yaml-schema.ts): `privileged: yes` is
// true. The input is untrusted (merge requests): the bytes of a run are capped (./input-files.ts),
// documents are parsed one at a time, aliases may not expand a document beyond a bound (an alias
// bomb fails in milliseconds), and an unrendered Helm template is refused with what to do instead.

import { load, YAMLException } from "js-yaml";
import { isClusterScoped, typeToken } from "../lib/k8s";
import type { AnalyzedResource } from "./analyze";
import { GO_YAML_V2_SCHEMA, nonFiniteCount } from "./go-yaml-schema";
import {
  charge,
  DEFAULT_MAX_INPUT_MIB,
  type InputBudget,
  InputError,
  inputBudget,
  type OpenedPath,
  readInputPath,
} from "./input-files";
import { JsonValueSplitter, startsAsJson } from "./json-stream";
import { applyMerges } from "./merge-keys";
import { decodeInput } from "./text-encoding";

export { InputError } from "./input-files";

export interface KubeObject {
  object: Record<string, unknown>;
  /** Where it came from: file path (or "<stdin>"), 1-based document index and its first line. */
  source: string;
  document: number;
  line: number;
}

export interface ReadOptions {
  /** Bytes all inputs of the run may add up to, in MiB. @default 64 */
  maxInputMiB?: number;
  /** The budget to charge (shared across calls); built from maxInputMiB when absent. */
  budget?: InputBudget;
}

/**
 * Aliases may expand a document to at most this many nodes beyond its written size... and at most
 * ALIAS_RATIO times it: go-yaml v2 (kubectl) refuses "excessive aliasing" the same way, by ratio.
 */
export const ALIAS_EXPANSION_FLOOR = 100_000;
export const ALIAS_RATIO = 10;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

// ---- documents -----------------------------------------------------------------------------------

interface DocumentText {
  text: string;
  /** 0-based line of the chunk's first line in the whole input. */
  line: number;
  /** Starts with a `---` marker (always a document, even when empty). */
  explicit: boolean;
}

/**
 * Splits a YAML stream at its document markers. A `---` or `...` at the start of a line can only be a
 * marker (YAML forbids such lines inside any scalar), so the split is exact; parsing each document
 * alone keeps one parse tree in memory at a time.
 */
export function* splitDocuments(text: string): Generator<DocumentText> {
  // kubectl (apimachinery's YAMLReader) also ends a document at `---#comment`, which YAML would not.
  const marker = /^(?:---(?=[ \t\r\n#]|$)|\.\.\.(?=[ \t\r\n]|$))/gm;
  let start = 0;
  let startLine = 0;
  let explicit = false;
  let lineCursor = 0;
  let lineCount = 0;
  const lineOf = (pos: number) => {
    for (let i = text.indexOf("\n", lineCursor); i !== -1 && i < pos; i = text.indexOf("\n", i + 1)) {
      lineCount++;
      lineCursor = i + 1;
    }
    return lineCount;
  };
  for (let m = marker.exec(text); m !== null; m = marker.exec(text)) {
    if (m[0] === "---") {
      if (m.index > start) yield { text: text.slice(start, m.index), line: startLine, explicit };
      start = m.index;
      startLine = lineOf(m.index);
      explicit = true;
    } else {
      const eol = text.indexOf("\n", m.index);
      const end = eol === -1 ? text.length : eol + 1;
      yield { text: text.slice(start, end), line: startLine, explicit };
      start = end;
      startLine = lineOf(end);
      explicit = false;
    }
  }
  if (start < text.length || explicit) yield { text: text.slice(start), line: startLine, explicit };
}

const HAS_CONTENT = /^[ \t]*[^\s#]/m;

/** Helm actions that never survive `helm template`: built-in objects and Helm-only functions. */
const HELM_ACTION =
  /\{\{-?\s*(?:[^}\n]*?(?:\.Release\.|\.Values\b|\.Chart\.|\.Capabilities\.|\.Files\.|\.Template\.|\binclude\s+"|\btoYaml\b|\bnindent\b|\brequired\s+")|(?:if|else|end|range|with|define|template)\b[^}\n]*\}\})/g;
const CONTROL = /^\{\{-?\s*(?:if|else|end|range|with|define|template)\b/;

function helmAction(text: string): { action: string; line: number } | undefined {
  if (!text.includes("{{")) return undefined;
  HELM_ACTION.lastIndex = 0;
  for (let m = HELM_ACTION.exec(text); m !== null; m = HELM_ACTION.exec(text)) {
    // Control actions (if/range/end ...) only count at the start of a line: inside a rendered block
    // scalar (an Alertmanager template in a ConfigMap) they are data, indented.
    const lineStart = text.lastIndexOf("\n", m.index) + 1;
    if (CONTROL.test(m[0]) && m.index !== lineStart) continue;
    const end = text.indexOf("}}", m.index);
    const action = text.slice(m.index, end === -1 ? m.index + 40 : Math.min(end + 2, m.index + 60));
    let line = 0;
    for (let i = text.indexOf("\n"); i !== -1 && i < m.index; i = text.indexOf("\n", i + 1)) line++;
    return { action, line };
  }
  return undefined;
}

/**
 * `name: {{ $name }}` is valid YAML: a flow mapping whose key is a flow mapping, which a JSON object
 * can only hold as the key "[object Object]". No Kubernetes object has such a key; a template does.
 */
function hasMappingKey(value: unknown, depth = 0): boolean {
  if (typeof value !== "object" || value === null || depth > 100) return false;
  if (Array.isArray(value)) return value.some((v) => hasMappingKey(v, depth + 1));
  for (const k in value) {
    if (k === "[object Object]") return true;
    if (hasMappingKey((value as Record<string, unknown>)[k], depth + 1)) return true;
  }
  return false;
}

function firstTemplate(text: string): { action: string; line: number } {
  const at = text.indexOf("{{");
  const end = text.indexOf("}}", at);
  const action = text.slice(at, end === -1 ? at + 40 : Math.min(end + 2, at + 60));
  let line = 0;
  for (let i = text.indexOf("\n"); i !== -1 && i < at; i = text.indexOf("\n", i + 1)) line++;
  return { action, line };
}

function unrendered(source: string, n: number, line: number, action: string): InputError {
  return new InputError(
    `${source}: document ${n}: an unrendered Helm template (${JSON.stringify(action)} on line ${line}): render it first with helm template (helm template <release> <chart> | npm run policy -- check -)`,
  );
}

// ---- aliases and values JSON cannot carry ------------------------------------------------------------

/**
 * Counts the nodes a document expands to (aliases followed) against the nodes written, memoised per
 * shared object so an alias bomb costs its written size; rejects recursive aliases and .inf/.nan
 * (kubectl's JSON conversion refuses them too).
 */
function checkExpansion(value: unknown, where: string): void {
  const expanded = new Map<object, number>();
  const active = new Set<object>();
  // The path to the node being counted, spelled out only for a message (most documents pass).
  const path: Array<string | number> = [];
  const spelled = () =>
    path.reduce<string>((acc, s) => (typeof s === "number" ? `${acc}[${s}]` : acc ? `${acc}.${s}` : s), "") ||
    "the document";
  let written = 0;
  const size = (v: unknown): number => {
    if (typeof v === "number" && !Number.isFinite(v))
      throw new InputError(
        `${where}: ${spelled()} is ${v} (.inf/.nan): Kubernetes objects are JSON and cannot hold it. Fix: quote it or use a finite number`,
      );
    if (typeof v !== "object" || v === null) {
      written++;
      return 1;
    }
    const hit = expanded.get(v);
    if (hit !== undefined) return hit;
    if (active.has(v)) throw new InputError(`${where}: ${spelled()} contains itself through an alias`);
    active.add(v);
    written++;
    let total = 1;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        path.push(i);
        total += size(v[i]);
        path.pop();
      }
    } else {
      for (const k in v) {
        path.push(k);
        total += 1 + size((v as Record<string, unknown>)[k]);
        path.pop();
      }
    }
    active.delete(v);
    expanded.set(v, total);
    if (total > ALIAS_EXPANSION_FLOOR && total > ALIAS_RATIO * written) {
      throw new InputError(
        `${where}: aliases expand it to more than ${ALIAS_RATIO} times its written size (over ${ALIAS_EXPANSION_FLOOR.toLocaleString("en-US")} nodes): refused as an alias bomb, as kubectl refuses excessive aliasing`,
      );
    }
    return total;
  };
  size(value);
}

// ---- parsing -------------------------------------------------------------------------------------

/** Parses one document's text as kubectl would; undefined for an empty document. */
function parseDocument(doc: DocumentText, source: string, n: number): unknown {
  const helm = helmAction(doc.text);
  if (helm) throw unrendered(source, n, doc.line + helm.line + 1, helm.action);
  let value: unknown;
  const nonFiniteBefore = nonFiniteCount();
  try {
    // Duplicate keys are refused (json: false): kubectl keeps the last silently, kustomize, go-yaml v3
    // and kubeconform --strict refuse them, and which one counts must not depend on the reader.
    // `---#comment` is a marker for kubectl: a blank makes it one for the YAML parser too.
    const text = doc.text.startsWith("---#") ? `--- ${doc.text.slice(3)}` : doc.text;
    value = load(text, { schema: GO_YAML_V2_SCHEMA, filename: source });
  } catch (error) {
    if (!(error instanceof YAMLException)) throw error;
    const line = doc.line + error.mark.line + 1;
    const duplicate =
      error.reason === "duplicated mapping key"
        ? ": kubectl silently keeps the last value and other YAML tools refuse the file or keep the first. Fix: keep one of them"
        : "";
    const template = doc.text.includes("{{")
      ? " (it contains {{ ... }}: an unrendered template? render it first with helm template)"
      : "";
    throw new InputError(
      `${source}: document ${n}: invalid YAML: ${error.reason} (line ${line})${duplicate}${template}`,
    );
  }
  if (value !== null && value !== undefined && doc.text.includes("<<"))
    applyMerges(value, `${source}: document ${n}`, { floor: ALIAS_EXPANSION_FLOOR, ratio: ALIAS_RATIO });
  if (value !== null && value !== undefined && doc.text.includes("{{") && hasMappingKey(value)) {
    const t = firstTemplate(doc.text);
    throw unrendered(source, n, doc.line + t.line + 1, t.action);
  }
  // Only documents with anchors (aliases need one) or .inf/.nan need the walk.
  if (
    value !== null &&
    value !== undefined &&
    (nonFiniteCount() !== nonFiniteBefore || doc.text.includes("&"))
  )
    checkExpansion(value, `${source}: document ${n}`);
  return asJson(value);
}

/**
 * The document as the JSON kubectl sends (sigs.k8s.io/yaml converts YAML to JSON before decoding).
 * The round trip also gives the object strings of its own: the parser's are slices of the document
 * text, which would keep every document's text in memory as long as the objects (the input twice).
 */
function asJson(value: unknown): unknown {
  return value === null || value === undefined ? value : JSON.parse(JSON.stringify(value));
}

/**
 * Multi-document YAML text arriving in pieces (a file read in chunks), or a stream of JSON objects
 * when it starts with `{` (as kubectl reads it): each document is parsed as
 * soon as the next `---` shows it complete, so only the document being read is held as text. The
 * result is the same as splitting the whole text at once: pieces are cut only at document markers,
 * and document numbers and lines run on across them.
 */
export class YamlStream {
  /** Text not parsed yet, in the pieces it came in (joined only at a cut: no quadratic copying). */
  private pending: string[] = [];
  /** The last characters of `pending`, where a marker may continue into the next piece. */
  private tail = "";
  private lines = 0;
  private documents = 0;
  /** The JSON reader when the input starts with `{`, null for YAML, undefined until a non-blank. */
  private json: JsonValueSplitter | null | undefined = undefined;

  constructor(
    private readonly source: string,
    private readonly out: KubeObject[],
  ) {}

  /** Takes the next piece of text and parses every document it completes into `out`. */
  write(text: string): void {
    drain(this.feed(text));
  }

  /** The input is complete: parses what is left. */
  end(): void {
    drain(this.close());
  }

  /** As `write`, a document at a time: yields each time a document's objects are in `out`. */
  *feed(text: string): Generator<void, void, void> {
    if (this.json === undefined) {
      // kubectl reads an input whose first non-blank character is `{` as JSON (./json-stream.ts).
      // Undecided, `pending` holds only blanks and perhaps a `{`.
      const verdict = startsAsJson(this.pending.join("") + text);
      if (verdict === undefined) {
        this.pending.push(text);
        return;
      }
      this.json = verdict ? new JsonValueSplitter(this.source) : null;
      if (this.json) {
        const start = this.pending.join("");
        this.pending = [];
        yield* this.feedJson(start + text);
        return;
      }
    }
    if (this.json) {
      yield* this.feedJson(text);
      return;
    }
    // Only the new text (and the few characters before it) can hold a newly complete marker.
    const window = this.tail + text;
    const at = lastCompleteMarker(window);
    this.pending.push(text);
    this.tail = window.slice(-MARKER_LOOKBEHIND);
    if (at <= 0) return;
    const all = this.pending.join("");
    const cut = all.length - window.length + at;
    if (cut <= 0) return;
    this.pending = [all.slice(cut)];
    yield* this.parse(all.slice(0, cut));
  }

  /** As `end`, a document at a time. */
  *close(): Generator<void, void, void> {
    if (this.json) {
      this.json.end();
      return;
    }
    const rest = this.pending.join("");
    this.pending = [];
    this.tail = "";
    yield* this.parse(rest);
  }

  private *feedJson(text: string): Generator<void, void, void> {
    for (const v of (this.json as JsonValueSplitter).write(text)) {
      const n = ++this.documents;
      let value: unknown;
      try {
        value = JSON.parse(v.text);
      } catch (error) {
        throw new InputError(
          `${this.source}: document ${n}: invalid JSON: ${(error as Error).message} (the value starting on line ${v.line + 1})`,
        );
      }
      checkExpansion(value, `${this.source}: document ${n}`);
      collect(value, { source: this.source, document: n, line: v.line + 1 }, this.out, `document ${n}`);
      yield;
    }
  }

  private *parse(text: string): Generator<void, void, void> {
    for (const doc of splitDocuments(text)) {
      if (!doc.explicit && !HAS_CONTENT.test(doc.text)) continue; // comments before the first ---
      const n = ++this.documents;
      const located = { ...doc, line: this.lines + doc.line };
      const value = parseDocument(located, this.source, n);
      if (value === null || value === undefined) continue; // empty document
      const firstLine = located.line + (doc.explicit ? 2 : 1);
      collect(value, { source: this.source, document: n, line: firstLine }, this.out, `document ${n}`);
      yield;
    }
    for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) this.lines++;
  }
}

function drain(steps: Iterator<void>): void {
  while (!steps.next().done);
}

/** "\n---" and the character after it (blank, line break or `#`). */
const MARKER_LOOKBEHIND = 5;

/**
 * Start of the last `---` marker line whose next character has arrived (`---` at the very end may
 * still become `----`); -1 when there is none.
 */
function lastCompleteMarker(text: string): number {
  for (let i = text.lastIndexOf("\n---"); i !== -1; i = text.lastIndexOf("\n---", i - 1)) {
    const next = text.charCodeAt(i + 4);
    // space, tab, CR, LF (NaN at the end of the text: not complete yet)
    if (next === 0x20 || next === 0x09 || next === 0x0d || next === 0x0a || next === 0x23) return i + 1;
    if (i === 0) break;
  }
  return -1;
}

/** Parses multi-document YAML text into `out`; throws InputError naming the source, document and reason. */
export function parseKubernetesYamlInto(text: string, source: string, out: KubeObject[]): void {
  const stream = new YamlStream(source, out);
  stream.write(text);
  stream.end();
}

/** Parses multi-document YAML text; throws InputError naming the source, document and reason. */
export function parseKubernetesYaml(text: string, source: string): KubeObject[] {
  const out: KubeObject[] = [];
  parseKubernetesYamlInto(text, source, out);
  return out;
}

function collect(
  value: unknown,
  at: { source: string; document: number; line: number },
  out: KubeObject[],
  where: string,
): void {
  if (!isObject(value))
    throw new InputError(
      `${at.source}: ${where}: expected a Kubernetes object, got ${Array.isArray(value) ? "a list" : typeof value}`,
    );
  const kind = value.kind;
  const apiVersion = value.apiVersion;
  if (typeof kind !== "string" || kind === "")
    throw new InputError(
      `${at.source}: ${where}: ${kind === undefined ? 'missing "kind"' : `"kind" must be a non-empty string, not ${JSON.stringify(kind)}`}`,
    );
  if (typeof apiVersion !== "string" || apiVersion === "")
    throw new InputError(
      `${at.source}: ${where}: ${apiVersion === undefined ? 'missing "apiVersion"' : `"apiVersion" must be a non-empty string, not ${JSON.stringify(apiVersion)}`}`,
    );
  if (kind === "List" || (kind.endsWith("List") && Array.isArray(value.items))) {
    const items = Array.isArray(value.items) ? value.items : [];
    // A typed list's items (DeploymentList, as the API server writes them) carry no kind and
    // apiVersion: kubectl gives them the list's (apimachinery's unstructured list decoding).
    const itemKind = kind === "List" ? undefined : kind.slice(0, -"List".length);
    for (let j = 0; j < items.length; j++) {
      const item = items[j];
      if (itemKind && isObject(item) && item.kind === undefined && item.apiVersion === undefined) {
        item.kind = itemKind;
        item.apiVersion = apiVersion;
      }
      collect(item, at, out, `${where}, items[${j}]`);
    }
    return;
  }
  out.push({ object: value, ...at });
}

function refused(path: string, reason: string): InputError {
  return new InputError(`${path}: ${reason}: only regular files, directories and - (stdin) are read`);
}

/** Stdin: the CLI reads at most `maxBytes` + 1 bytes (tests pass text). */
export type StdinReader = (maxBytes: number) => string | Buffer;

/**
 * The objects of files, directories (recursively) or "-" (stdin), within one byte budget, in the
 * order they are read, in small batches (BATCH_OBJECTS) parsed as they are asked for: a caller can
 * check a batch and let it go before the next is parsed. Of the input, only the piece of text being
 * parsed is held (a file is read 64 KiB at a time).
 */
export function* kubernetesObjectBatches(
  paths: readonly string[],
  stdin?: StdinReader,
  options: ReadOptions = {},
): Generator<KubeObject[], void, void> {
  const budget = options.budget ?? inputBudget(options.maxInputMiB ?? DEFAULT_MAX_INPUT_MIB);
  let stdinRead = false;
  for (const path of paths) {
    if (path === "-") {
      if (!stdin) throw new InputError("<stdin>: no input available");
      if (stdinRead) continue; // stdin can be read once
      stdinRead = true;
      const data = stdin(budget.maxBytes - budget.used);
      const bytes = typeof data === "string" ? Buffer.byteLength(data) : data.length;
      charge(budget, "<stdin>", bytes);
      yield* textBatches(typeof data === "string" ? data : decodeInput(data, "<stdin>"), "<stdin>");
      continue;
    }
    const opened = yield* fileBatches(path, budget);
    if (opened.kind === "refused") throw refused(path, opened.reason);
    if (opened.kind !== "directory") continue;
    // A directory's manifest files as kubectl reads them: one it would read but cannot be checked (a
    // FIFO, a device) fails the run; a symlink to a directory is not followed (kubectl does not).
    for (const file of opened.files) {
      const entry = yield* fileBatches(file, budget);
      if (entry.kind === "refused") throw refused(file, entry.reason);
    }
  }
}

/**
 * @default 64 objects per batch: a batch is checked while its objects are young, so most of them
 * are collected before the garbage collector moves them to the old generation.
 */
export const BATCH_OBJECTS = 64;

/** One file's objects, in batches as parsed; what the path turned out to be. */
function* fileBatches(path: string, budget: InputBudget): Generator<KubeObject[], OpenedPath, void> {
  const out: KubeObject[] = [];
  const stream = new YamlStream(path, out);
  const reading = readInputPath(path, budget);
  try {
    for (;;) {
      const piece = reading.next();
      if (piece.done) {
        if (piece.value.kind === "file") yield* batches(stream.close(), out);
        return piece.value;
      }
      yield* batches(stream.feed(piece.value), out);
    }
  } finally {
    // Closes the file when the caller stops early (an error in a batch).
    reading.return({ kind: "file" });
  }
}

/** Text already in memory (stdin), parsed as a file is. */
function* textBatches(text: string, source: string): Generator<KubeObject[], void, void> {
  const out: KubeObject[] = [];
  const stream = new YamlStream(source, out);
  yield* batches(stream.feed(text), out);
  yield* batches(stream.close(), out);
}

/** The objects `parsing` puts in `out`, BATCH_OBJECTS at a time (the rest when it is done). */
function* batches(parsing: Iterator<void>, out: KubeObject[]): Generator<KubeObject[], void, void> {
  while (!parsing.next().done) if (out.length >= BATCH_OBJECTS) yield out.splice(0);
  if (out.length > 0) yield out.splice(0);
}

/** Reads files, directories (recursively) or "-" (stdin), within one byte budget. */
export function readKubernetesInputs(
  paths: readonly string[],
  stdin?: StdinReader,
  options: ReadOptions = {},
): KubeObject[] {
  const out: KubeObject[] = [];
  for (const batch of kubernetesObjectBatches(paths, stdin, options)) for (const o of batch) out.push(o);
  return out;
}

/** The resource Pulumi would register for a Kubernetes object. */
export function toAnalyzedResource(
  o: KubeObject,
  stack = "policy-check",
  project = "kubernetes-yaml",
): AnalyzedResource {
  const kind = String(o.object.kind);
  const type = typeToken(String(o.object.apiVersion), kind);
  const metadata = isObject(o.object.metadata) ? o.object.metadata : {};
  const name =
    typeof metadata.name === "string" && metadata.name
      ? metadata.name
      : `${kind.toLowerCase()}-${o.document}`;
  const ns = typeof metadata.namespace === "string" && metadata.namespace ? metadata.namespace : undefined;
  // join() builds flat strings: a template literal keeps a tree of its pieces for every object.
  const pulumiName = isClusterScoped(kind) || !ns ? name : [ns, name].join("/");
  return {
    type,
    name: pulumiName,
    urn: ["urn:pulumi:", stack, "::", project, "::", type, "::", pulumiName].join(""),
    props: o.object,
  };
}

export interface LoadedObject extends KubeObject {
  resource: AnalyzedResource;
}

/** The run's one error for an input without objects. */
export function noObjectsFound(paths: readonly string[]): InputError {
  return new InputError(
    `no Kubernetes objects found in ${paths.join(", ")}: empty input, only comments, or a directory without .yaml/.yml/.json files`,
  );
}

/**
 * Objects with the resources they become, in batches as read (see kubernetesObjectBatches). URNs are
 * unique in the run: two objects with one URN would hide each other in stack lookups, so the second
 * gets `#2` (and so on).
 */
export function* loadedObjectBatches(
  paths: readonly string[],
  stdin?: StdinReader,
  options: ReadOptions = {},
): Generator<LoadedObject[], void, void> {
  const seen = new Map<string, number>();
  for (const batch of kubernetesObjectBatches(paths, stdin, options)) {
    const loaded: LoadedObject[] = new Array(batch.length);
    for (let i = 0; i < batch.length; i++) {
      const o = batch[i] as KubeObject;
      const r = toAnalyzedResource(o);
      const count = seen.get(r.urn) ?? 0;
      seen.set(r.urn, count + 1);
      const resource = count === 0 ? r : { ...r, urn: `${r.urn}#${count + 1}` };
      loaded[i] = { object: o.object, source: o.source, document: o.document, line: o.line, resource };
    }
    yield loaded;
  }
}

/** Objects with the resources they become (unique URNs); InputError when there is none at all. */
export function loadKubernetesObjects(
  paths: readonly string[],
  stdin?: StdinReader,
  options: ReadOptions = {},
): LoadedObject[] {
  const loaded: LoadedObject[] = [];
  for (const batch of loadedObjectBatches(paths, stdin, options)) for (const o of batch) loaded.push(o);
  if (loaded.length === 0) throw noObjectsFound(paths);
  return loaded;
}

export function loadKubernetesResources(
  paths: string[],
  stdin?: StdinReader,
  options: ReadOptions = {},
): AnalyzedResource[] {
  return loadKubernetesObjects(paths, stdin, options).map((o) => o.resource);
}
