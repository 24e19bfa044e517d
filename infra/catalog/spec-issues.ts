import { stringify } from "yaml";
import { z } from "zod";
import type { InputProblem } from "../../components/errors/input-error";
import { typedScalarFix } from "../input/typed-scalar";
import { closestName } from "./suggest";

// Turns the schema's findings into messages for the PHP developer who wrote the spec: the field
// path as written in YAML, what is wrong in their words, and a fix taken from the schema itself
// (the fields allowed there, the values of an enum, the examples of a field).

type Schema = z.core.$ZodType;
interface Def {
  type: string;
  innerType?: Schema;
  shape?: Record<string, Schema>;
  element?: Schema;
  options?: Schema[];
  entries?: Record<string, string>;
  values?: unknown[];
}

const defOf = (schema: Schema): Def => schema._zod.def as unknown as Def;

function unwrap(schema: Schema): Schema {
  let s = schema;
  while (
    defOf(s).innerType &&
    ["optional", "nullable", "default", "readonly", "prefault"].includes(defOf(s).type)
  ) {
    s = defOf(s).innerType as Schema;
  }
  return s;
}

/** The schema of the value at `path`, when the path exists in the schema. */
export function schemaAt(root: Schema, path: readonly PropertyKey[]): Schema | undefined {
  let current: Schema | undefined = root;
  for (const key of path) {
    if (!current) return undefined;
    const def = defOf(unwrap(current));
    if (def.type === "object") current = def.shape?.[String(key)];
    else if (def.type === "array") current = def.element;
    else if (def.type === "union") {
      current = (def.options ?? []).map((o) => schemaAt(o, [key])).find((s): s is Schema => s !== undefined);
    } else return undefined;
  }
  return current;
}

function metaOf(schema: Schema | undefined): { description?: string; examples?: unknown[] } {
  for (let s = schema; s; s = defOf(s).innerType) {
    const meta = z.globalRegistry.get(s);
    if (meta?.examples) return meta as { examples?: unknown[] };
  }
  return {};
}

/** `messaging.consumers[0].size`, as the path reads in the YAML file. */
export function fieldPath(path: readonly PropertyKey[]): string {
  return path
    .map((k, i) => (typeof k === "number" ? `[${k}]` : `${i === 0 ? "" : "."}${String(k)}`))
    .join("");
}

function flow(value: unknown): string {
  return stringify(value, { collectionStyle: "flow", lineWidth: 0 }).trim();
}

function shown(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  return `${typeof value} ${JSON.stringify(value)}`;
}

function example(root: Schema, path: readonly PropertyKey[]): string | undefined {
  const examples = metaOf(schemaAt(root, path)).examples;
  if (!examples || examples.length === 0) return undefined;
  const key = path.at(-1);
  return typeof key === "string" ? `${key}: ${flow(examples[0])}` : flow(examples[0]);
}

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let current = data;
  for (const key of path) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

/** Accepted literal values of an enum, literal or union of them. */
function acceptedValues(schema: Schema | undefined): unknown[] {
  if (!schema) return [];
  const def = defOf(unwrap(schema));
  if (def.type === "enum") return Object.values(def.entries ?? {});
  if (def.type === "literal") return def.values ?? [];
  if (def.type === "union") return (def.options ?? []).flatMap(acceptedValues);
  return [];
}

/** The fields of the mapping a schema accepts (directly or as one form of a union). */
function mappingFields(schema: Schema | undefined): string[] | undefined {
  if (!schema) return undefined;
  const def = defOf(unwrap(schema));
  if (def.type === "object") return Object.keys(def.shape ?? {});
  if (def.type === "union") {
    for (const o of def.options ?? []) {
      const keys = mappingFields(o);
      if (keys) return keys;
    }
  }
  return undefined;
}

export interface Located {
  source: string;
  locate?: (path: readonly PropertyKey[], at?: "key" | "value") => string;
}

/** The problems of one spec, one per mistake (a misspelt key is not also reported as missing). */
export function specProblems(
  given: readonly z.core.$ZodIssue[],
  root: Schema,
  data: unknown,
  where: Located,
): InputProblem[] {
  const suggested = new Set<string>();
  const problems: InputProblem[] = [];
  const said = new Set<string>();
  const push = (path: readonly PropertyKey[], problem: string, fix: string, at?: "key") => {
    const field = fieldPath(path) || "(top level)";
    // Zod may report one mistake twice (an integer too big is also not a safe integer): say it once.
    const once = `${field}\n${problem}`;
    if (said.has(once)) return;
    said.add(once);
    problems.push({ source: where.locate?.(path, at) ?? where.source, field, problem, fix });
  };

  const issues = given.flatMap((issue) => mappingBranchIssues(issue, data) ?? [issue]);
  for (const issue of issues) {
    if (issue.code !== "unrecognized_keys") continue;
    const allowed = mappingFields(schemaAt(root, issue.path) ?? root) ?? [];
    for (const key of issue.keys) {
      const hint = closestName(key, allowed);
      if (hint) suggested.add(fieldPath([...issue.path, hint]));
      push(
        [...issue.path, key],
        `unknown field "${key}"`,
        hint ? `did you mean "${hint}"?` : `remove it; the fields here are ${allowed.join(", ")}`,
        "key",
      );
    }
  }
  for (const issue of issues) {
    if (issue.code === "unrecognized_keys") continue;
    const missing = valueAt(data, issue.path) === undefined;
    if (missing && suggested.has(fieldPath(issue.path))) continue;
    const [problem, fix] = describe(issue, root, data, missing);
    push(issue.path, problem, fix);
  }
  return problems;
}

/**
 * A value that may be a name or a mapping (`size: small` or `size: {cpuMillis: ...}`) and is a
 * mapping: every issue of the branch that takes mappings, at its own path, instead of "no form
 * matched" (so an unknown field gets its suggestion and every missing field is named).
 */
function mappingBranchIssues(issue: z.core.$ZodIssue, data: unknown): z.core.$ZodIssue[] | undefined {
  if (issue.code !== "invalid_union") return undefined;
  const value = valueAt(data, issue.path);
  if (value === null || typeof value !== "object" || Array.isArray(value)) return undefined;
  const branch = issue.errors.find((errors) =>
    errors.every((e) => e.path.length > 0 || (e.code !== "invalid_type" && e.code !== "invalid_value")),
  );
  if (!branch || branch.length === 0) return undefined;
  return branch.map((e) => ({ ...e, path: [...issue.path, ...e.path] }) as z.core.$ZodIssue);
}

function describe(issue: z.core.$ZodIssue, root: Schema, data: unknown, missing: boolean): [string, string] {
  const path = issue.path;
  const key = String(path.at(-1) ?? "value");
  const value = valueAt(data, path);
  const schema = schemaAt(root, path);
  const eg = example(root, path);
  if (missing) return [`required field "${key}" is missing`, eg ? `add it, e.g. ${eg}` : "add it"];
  switch (issue.code) {
    case "invalid_type": {
      const expected = issue.expected === "int" ? "a whole number" : `${article(issue.expected)}`;
      const quote =
        issue.expected === "string" && value !== null && typeof value !== "object"
          ? " (quote it so YAML keeps it a string)"
          : "";
      return [
        `expected ${expected}, got ${shown(value)}`,
        typedScalarFix(issue, value) ?? `${eg ? `write it as e.g. ${eg}` : "correct the value"}${quote}`,
      ];
    }
    case "invalid_value":
    case "invalid_union": {
      const values = acceptedValues(schema);
      const mapping = mappingFields(schema);
      if (
        issue.code === "invalid_union" &&
        mapping &&
        value !== null &&
        typeof value === "object" &&
        !Array.isArray(value)
      ) {
        // The value is a mapping: report what is wrong inside it, from the branch that takes mappings.
        // The branch that took the mapping is the one that did not refuse the value's type itself.
        const branch = issue.errors.find((errors) =>
          errors.every((e) => e.path.length > 0 || (e.code !== "invalid_type" && e.code !== "invalid_value")),
        );
        const inner = branch?.[0];
        if (inner)
          return describe(
            { ...inner, path: [...path, ...inner.path] } as z.core.$ZodIssue,
            root,
            data,
            valueAt(data, [...path, ...inner.path]) === undefined,
          );
      }
      const names = values.map((v) => flow(v)).join(", ");
      const hint =
        typeof value === "string"
          ? closestName(
              value,
              values.filter((v): v is string => typeof v === "string"),
            )
          : undefined;
      const alternatives = [
        names ? (values.length === 1 ? names : `one of ${names}`) : "",
        mapping ? `a mapping (fields: ${mapping.join(", ")})` : "",
      ]
        .filter(Boolean)
        .join(", or ");
      return [
        typeof value === "string" ? `unknown ${key} "${value}"` : `${shown(value)} is not accepted here`,
        `${hint ? `did you mean "${hint}"? ` : ""}use ${alternatives || "a value of the schema"}${eg && !hint ? `, e.g. ${eg}` : ""}`,
      ];
    }
    case "too_small":
    case "too_big": {
      const range = rangeOf(schema);
      if (issue.origin === "string")
        return ["must not be empty", eg ? `write it, e.g. ${eg}` : "write a value"];
      if (issue.origin === "array")
        return [
          `has ${(value as unknown[]).length} entries`,
          `list ${issue.code === "too_small" ? "at least" : "at most"} ${issue.code === "too_small" ? issue.minimum : issue.maximum}`,
        ];
      return [
        `${String(value)} is out of range`,
        range ? `use a whole number ${range}` : "use a value in range",
      ];
    }
    case "unrecognized_keys": {
      const allowed = mappingFields(schema) ?? [];
      const [first] = issue.keys;
      const hint = first ? closestName(first, allowed) : undefined;
      return [
        `unknown field${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `"${k}"`).join(", ")}`,
        hint ? `did you mean "${hint}"?` : `remove it; the fields here are ${allowed.join(", ")}`,
      ];
    }
    case "invalid_key": {
      // A record's key (an env variable's name): the key's own rule says what is wrong.
      const rule = issue.issues[0]?.message ?? issue.message;
      return [`the key ${JSON.stringify(key)} ${rule}`, "rename the key so it follows the rule"];
    }
    default:
      return [issue.message, eg ? `e.g. ${eg}` : "see infra/catalog/service.schema.json"];
  }
}

function rangeOf(schema: Schema | undefined): string | undefined {
  if (!schema) return undefined;
  const n = unwrap(schema) as unknown as { minValue?: number | null; maxValue?: number | null };
  const { minValue: min, maxValue: max } = n;
  if (typeof min !== "number") return undefined;
  // An integer without an upper bound still carries the safe-integer limit: do not show it.
  return typeof max === "number" && max < 1e9 ? `from ${min} to ${max}` : `of at least ${min}`;
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}
