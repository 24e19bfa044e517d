import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { nonEmpty } from "../helpers/non-empty";

// Defaults are documented where the option is declared (issue 16, as cdk8s-plus does): every
// optional field of an exported option interface (a name ending in Args, Options, Props or Spec)
// carries a non-empty `@default` tag saying the value, or the behaviour, when it is omitted. The
// check reads the sources with the TypeScript compiler API, so it sees what the compiler sees
// (inline tags, multi-line comments, nested object types), not what a regex guesses.

const ROOT = join(__dirname, "..", "..");
const COMPONENTS = join(ROOT, "components");
/** The stack configuration schema: its defaults are what a stack file may leave out. */
const STACK_CONFIG = join(ROOT, "infra", "config");
const OPTION_INTERFACE = /(Args|Options|Props|Spec)$/;

/**
 * Fields whose absence has no default meaning (`Interface.field` per file), each with why. Keep it
 * short: a field belongs here only when "omitted" cannot be described as a value or a behaviour.
 * Every field of components/ documents its default today, so the list is empty; an entry that no
 * longer matches a field fails the test below, so the list cannot rot.
 */
const NO_DEFAULT_MEANING: Readonly<Record<string, string>> = {};

interface MissingDefault {
  file: string;
  /** `Interface.field`, or `Interface.field.nested` for a field of an inline object type. */
  field: string;
  line: number;
}

function isExported(node: ts.Node): boolean {
  return (ts.getCombinedModifierFlags(node as ts.Declaration) & ts.ModifierFlags.Export) !== 0;
}

/** The optional fields of the exported option interfaces (and object type aliases) of one source, without `@default`. */
function fieldsWithoutDefault(file: string, text: string): MissingDefault[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const missing: MissingDefault[] = [];
  const visitMembers = (members: ts.NodeArray<ts.TypeElement>, path: string) => {
    for (const member of members) {
      if (!ts.isPropertySignature(member)) continue;
      const field = `${path}.${member.name.getText(source)}`;
      if (member.questionToken && defaultTagText(member) === undefined) {
        const line = source.getLineAndCharacterOfPosition(member.getStart(source)).line + 1;
        missing.push({ file, field, line });
      }
      // An inline object type is part of the same options: its optional fields need a default too.
      if (member.type && ts.isTypeLiteralNode(member.type)) visitMembers(member.type.members, field);
    }
  };
  for (const statement of source.statements) {
    if (!isExported(statement)) continue;
    if (ts.isInterfaceDeclaration(statement) && OPTION_INTERFACE.test(statement.name.text)) {
      visitMembers(statement.members, statement.name.text);
    } else if (
      ts.isTypeAliasDeclaration(statement) &&
      OPTION_INTERFACE.test(statement.name.text) &&
      ts.isTypeLiteralNode(statement.type)
    ) {
      visitMembers(statement.type.members, statement.name.text);
    }
  }
  return missing;
}

/** The argument of the `.default(x)`/`.prefault(x)` of a zod method chain (`z.number().default(3).meta(...)`), if any. */
function chainDefault(expression: ts.Expression): ts.Expression | undefined {
  let e: ts.Expression = expression;
  while (ts.isCallExpression(e) && ts.isPropertyAccessExpression(e.expression)) {
    if (/^(default|prefault)$/.test(e.expression.name.text)) return e.arguments[0];
    e = e.expression.expression;
  }
  return undefined;
}

function defaultTagText(node: ts.Node): string | undefined {
  for (const t of ts.getJSDocTags(node)) {
    if (t.tagName.text !== "default") continue;
    const text = (typeof t.comment === "string" ? t.comment : ts.getTextOfJSDocComment(t.comment)) ?? "";
    if (text.trim()) return text.trim();
  }
  return undefined;
}

/**
 * Whether a `@default` text states the value the code uses: the argument as written (a literal,
 * or the named constant), or, for an object literal with fields (too long to quote), a described
 * behaviour (`@default - ...`).
 */
function statesValue(tag: string, value: ts.Expression, source: ts.SourceFile): boolean {
  const written = value.getText(source).replace(/\s+/g, " ");
  if (tag.includes(written)) return true;
  if (ts.isStringLiteral(value) && tag.includes(JSON.stringify(value.text))) return true;
  return ts.isObjectLiteralExpression(value) && value.properties.length > 0 && tag.startsWith("-");
}

/**
 * The fields of zod object schemas (`z.object`, `z.strictObject`, `z.looseObject`) with a
 * `.default`/`.prefault` whose `@default` is missing or does not state the value the code uses.
 */
function schemaFieldsWithoutDefault(file: string, text: string): MissingDefault[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const missing: MissingDefault[] = [];
  const visit = (node: ts.Node) => {
    const shape = ts.isCallExpression(node) ? node.arguments[0] : undefined;
    if (
      ts.isCallExpression(node) &&
      ts.isPropertyAccessExpression(node.expression) &&
      /^(object|strictObject|looseObject)$/.test(node.expression.name.text) &&
      shape &&
      ts.isObjectLiteralExpression(shape)
    ) {
      for (const property of shape.properties) {
        if (!ts.isPropertyAssignment(property)) continue;
        const value = chainDefault(property.initializer);
        if (!value) continue;
        const tag = defaultTagText(property);
        if (tag && statesValue(tag, value, source)) continue;
        const line = source.getLineAndCharacterOfPosition(property.getStart(source)).line + 1;
        const field = property.name.getText(source);
        missing.push({
          file,
          field: tag ? `${field} (@default ${tag}, code ${value.getText(source)})` : field,
          line,
        });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return missing;
}

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const path = join(dir, f);
    if (statSync(path).isDirectory()) return sources(path);
    return f.endsWith(".ts") && !f.endsWith(".d.ts") ? [path] : [];
  });
}

/** How many option interfaces a source declares: the scan must find some, or it checks nothing. */
function optionInterfaceCount(text: string): number {
  return [...text.matchAll(/export\s+(?:interface|type)\s+\w+(?:Args|Options|Props|Spec)\b/g)].length;
}

describe("option interfaces document their defaults", () => {
  it("flags an optional field without @default, and only that", () => {
    const missing = fieldsWithoutDefault(
      "x.ts",
      [
        "export interface ThingArgs {",
        "  name: string;",
        "  /** How many. @default 3 */",
        "  replicas?: number;",
        "  /**",
        "   * The sidecar.",
        "   * @default - no sidecar (monitoring off)",
        "   */",
        "  sidecar?: string;",
        "  /** Undocumented. */",
        "  port?: number;",
        "  /** @default */",
        "  emptyTag?: number;",
        "  nested?: {",
        "    /** @default 1 */",
        "    a?: number;",
        "    b?: number;",
        "  };",
        "}",
        "export type ThingOptions = { c?: string };",
        "interface PrivateArgs { d?: string }",
        "export interface Thing { e?: string }",
      ].join("\n"),
    );
    expect(missing.map((m) => `${m.field}:${m.line}`)).toEqual([
      "ThingArgs.port:11",
      "ThingArgs.emptyTag:13",
      "ThingArgs.nested:14",
      "ThingArgs.nested.b:17",
      "ThingOptions.c:20",
    ]);
  });

  it("flags a zod schema field whose .default or .prefault has no @default, or one that states another value", () => {
    const missing = schemaFieldsWithoutDefault(
      "x.ts",
      [
        "const s = z.strictObject({",
        "  /** @default 3 */",
        "  replicas: z.number().default(3),",
        "  retries: z.number().int().default(1).meta({ description: 'x' }),",
        "  section: inner.prefault({}),",
        "  required: z.string(),",
        "  optional: z.string().optional(),",
        "  nested: z.object({",
        "    port: z.number().default(80),",
        "  }).prefault({}),",
        "  /** @default 5 */",
        "  drifted: z.number().default(4),",
        "  /** @default DEFAULT_VERSION (1.36) */",
        "  version: z.string().default(DEFAULT_VERSION),",
        '  /** @default "alloy" */',
        "  shipper: z.enum(['alloy']).default('alloy'),",
        "  /** @default - the documented address plan */",
        "  network: inner.prefault({ a: '10.0.0.0/16' }),",
        "});",
      ].join("\n"),
    );
    expect(missing.map((m) => `${m.field}:${m.line}`)).toEqual([
      "retries:4",
      "section:5",
      "nested:8",
      "drifted (@default 5, code 4):12",
      "port:9",
    ]);
  });

  it("every zod field with a default, under components/ and infra/config/, has a @default", () => {
    const files = nonEmpty([...sources(COMPONENTS), ...sources(STACK_CONFIG)], "schema sources");
    const checked = files.map((file) => ({ file: relative(ROOT, file), text: readFileSync(file, "utf8") }));
    nonEmpty(
      checked.filter((c) => /\.(default|prefault)\(/.test(c.text)),
      "zod schemas with defaults under components/ and infra/config/",
    );
    const offending = checked
      .flatMap((c) => schemaFieldsWithoutDefault(c.file, c.text))
      .map((m) => `${m.file}:${m.line} ${m.field}`);
    expect(offending, "state the field's default in a TSDoc `@default` next to its `.default(...)`").toEqual(
      [],
    );
  });

  it("every optional field of an exported Args/Options/Props/Spec interface under components/ has a @default", () => {
    const files = nonEmpty(sources(COMPONENTS), "source files under components/");
    const texts = files.map((file) => ({ file: relative(ROOT, file), text: readFileSync(file, "utf8") }));
    nonEmpty(
      texts.filter((t) => optionInterfaceCount(t.text) > 0),
      "option interfaces under components/",
    );
    const missing = texts.flatMap((t) => fieldsWithoutDefault(t.file, t.text));
    const offending = missing
      .filter((m) => !(`${m.file}:${m.field}` in NO_DEFAULT_MEANING))
      .map((m) => `${m.file}:${m.line} ${m.field}`);
    expect(
      offending,
      "say in a TSDoc `@default` what the field's absence means: the value the code falls back to " +
        "(quote the named constant), or `@default - <behaviour>`",
    ).toEqual([]);
    const stale = Object.keys(NO_DEFAULT_MEANING).filter(
      (key) => !missing.some((m) => `${m.file}:${m.field}` === key),
    );
    expect(stale, "allowlist entries that no longer match an undocumented field: remove them").toEqual([]);
  });
});
