// Plain-scalar resolution as kubectl and Helm read manifests: sigs.k8s.io/yaml decodes with go-yaml
// v2 (YAML 1.1 flavoured) and converts the result to JSON. A js-yaml schema, because js-yaml parses
// large Helm outputs about five times faster than a CST-keeping parser; resolution follows go-yaml
// v2's resolve.go:
// - booleans: y Y yes Yes YES n N no No NO true True TRUE false False FALSE on On ON off Off OFF;
// - null: empty, ~, null, Null, NULL;
// - integers: underscores removed, then Go's strconv.ParseInt(s, 0, 64): 0x/0X hex, 0o/0O and a
//   leading 0 octal, 0b/0B binary, optional sign; no sexagesimal (`1:20` stays a string);
// - floats: `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?` (so `08` is 8), .inf/.nan forms;
// - timestamps stay strings (go-yaml v2 keeps them so when decoding into interface{});
// - `<<` merge keys, in go-yaml v2's order (./merge-keys.ts).
// Quoted scalars are always strings. Residual differences are listed in policies/README.md.

import { FAILSAFE_SCHEMA, Type } from "js-yaml";
import { mergeMarkerKey } from "./merge-keys";

const TRUE = new Set(["y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"]);
const FALSE = new Set(["n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"]);
const NULL = new Set(["", "~", "null", "Null", "NULL"]);
const SPECIAL_FLOATS = new Map<string, number>([
  ...[".nan", ".NaN", ".NAN"].map((s) => [s, Number.NaN] as const),
  ...[".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"].map((s) => [s, Number.POSITIVE_INFINITY] as const),
  ...["-.inf", "-.Inf", "-.INF"].map((s) => [s, Number.NEGATIVE_INFINITY] as const),
]);

const GO_INT = /^[-+]?(?:0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/;
const YAML_STYLE_FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/;
const GO_FLOAT_DOT = /^\.[0-9]+(?:[eE][-+]?[0-9]+)?$/;

/** First characters a non-string plain scalar can start with (go-yaml's resolve table hints). */
function hinted(c: number): boolean {
  if (c >= 0x30 && c <= 0x39) return true; // digits
  switch (String.fromCharCode(c)) {
    case "y":
    case "Y":
    case "n":
    case "N":
    case "t":
    case "T":
    case "f":
    case "F":
    case "o":
    case "O":
    case "~":
    case ".":
    case "+":
    case "-":
      return true;
    default:
      return false;
  }
}

let lastScalar: string | undefined;
let lastResolved: boolean | number | null | undefined;

/** What go-yaml v2 resolves a plain scalar to, or undefined when it stays a string. */
export function resolveGoYamlScalar(s: string): boolean | number | null | undefined {
  if (s === "") return null;
  if (!hinted(s.charCodeAt(0))) return undefined; // most scalars: names, images, paths
  // js-yaml asks each implicit type in turn, then constructs: resolve once per scalar.
  if (s === lastScalar) return lastResolved;
  lastScalar = s;
  lastResolved = resolveHinted(s);
  return lastResolved;
}

function resolveHinted(s: string): boolean | number | null | undefined {
  if (TRUE.has(s)) return true;
  if (FALSE.has(s)) return false;
  if (NULL.has(s)) return null;
  const special = SPECIAL_FLOATS.get(s);
  if (special !== undefined) return special;
  const first = s.charCodeAt(0);
  if (first === 0x2e /* . */) return GO_FLOAT_DOT.test(s) ? Number(s) : undefined;
  const isDigit = first >= 0x30 && first <= 0x39;
  if (!isDigit && first !== 0x2b /* + */ && first !== 0x2d /* - */) return undefined;
  const plain = s.includes("_") ? s.replaceAll("_", "") : s;
  if (GO_INT.test(plain)) return goInt(plain);
  if (YAML_STYLE_FLOAT.test(plain)) return Number(plain);
  return undefined;
}

function goInt(s: string): number {
  const negative = s.startsWith("-");
  const body = s.startsWith("-") || s.startsWith("+") ? s.slice(1) : s;
  let value: number;
  const prefix = body.slice(0, 2).toLowerCase();
  if (prefix === "0x") value = Number.parseInt(body.slice(2), 16);
  else if (prefix === "0o") value = Number.parseInt(body.slice(2), 8);
  else if (prefix === "0b") value = Number.parseInt(body.slice(2), 2);
  else if (body.length > 1 && body.startsWith("0")) value = Number.parseInt(body.slice(1), 8);
  else value = Number(body);
  return negative ? -value || 0 : value;
}

let nonFinite = 0;

/** How many .inf/.nan scalars were constructed so far (JSON cannot carry them: the loader checks). */
export function nonFiniteCount(): number {
  return nonFinite;
}

const construct = (data: string | null) => {
  const v = resolveGoYamlScalar(data ?? "");
  if (typeof v === "number" && !Number.isFinite(v)) nonFinite++;
  return v;
};

/** Explicitly tagged scalars (`!!bool yes`, `!!int "0755"`) resolve the same way. */
const explicit = (tag: string, accept: (v: boolean | number | null | undefined) => boolean) =>
  new Type(tag, {
    kind: "scalar",
    resolve: (data: string | null) => accept(resolveGoYamlScalar(data ?? "")),
    construct,
  });

/**
 * One implicit type for every non-string plain scalar: js-yaml asks each implicit type in turn, and
 * one resolution per scalar instead of four matters on a 50 MB Helm output. Only the value is used
 * (the loader reads no implicit tag but `<<`'s).
 */
const goPlainScalar = new Type("tag:yaml.org,2002:go-yaml-v2-scalar", {
  kind: "scalar",
  resolve: (data: string | null) => resolveGoYamlScalar(data ?? "") !== undefined,
  construct,
});

/**
 * A `<<` plain scalar becomes a unique marker key holding its source unmerged: the loader merges in
 * go-yaml v2's order afterwards (./merge-keys.ts), which js-yaml's own merging does not follow.
 */
const goMerge = new Type("tag:yaml.org,2002:go-yaml-v2-merge", {
  kind: "scalar",
  resolve: (data: string | null) => data === "<<",
  construct: mergeMarkerKey,
});

/** js-yaml schema resolving plain scalars as go-yaml v2 does (see above). */
export const GO_YAML_V2_SCHEMA = FAILSAFE_SCHEMA.extend({
  implicit: [goPlainScalar, goMerge],
  explicit: [
    explicit("tag:yaml.org,2002:null", (v) => v === null),
    explicit("tag:yaml.org,2002:bool", (v) => typeof v === "boolean"),
    explicit("tag:yaml.org,2002:int", (v) => typeof v === "number" && Number.isInteger(v)),
    explicit("tag:yaml.org,2002:float", (v) => typeof v === "number"),
  ],
});
