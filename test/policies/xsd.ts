// Validates an XML document against an XML Schema of the shape JUnit's schema has (fixtures/_schemas/
// junit-4.xsd): global `xs:element`s, each a complex type with a `xs:sequence` of `ref`s (minOccurs,
// maxOccurs, order), `xs:attribute`s (required or optional, string-typed) and `mixed` text, or a
// simple string element. Any other XSD construct is refused, so the check never passes by ignoring
// part of the schema. Node has no XSD validator, and the CI images have no xmllint.

import { XMLParser } from "fast-xml-parser";

interface Particle {
  ref: string;
  min: number;
  max: number;
}

interface ElementRule {
  /** Child elements in order; undefined for a simple (text-only) element. */
  sequence?: Particle[];
  attributes: Map<string, "required" | "optional">;
  text: boolean;
}

type Node = Record<string, unknown>;

const parser = (preserveOrder: boolean) =>
  new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: "",
    preserveOrder,
    parseTagValue: false,
    parseAttributeValue: false,
    // The schema's layout whitespace is not content; a document's text is kept as written.
    trimValues: !preserveOrder,
  });

function list(v: unknown): Node[] {
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]) as Node[];
}

function occurs(v: unknown, fallback: number): number {
  if (v === undefined) return fallback;
  return v === "unbounded" ? Number.POSITIVE_INFINITY : Number(v);
}

/** The element rules of a schema document (only the constructs named above). */
export function readSchema(xsd: string): Map<string, ElementRule> {
  const doc = parser(false).parse(xsd) as Node;
  const schema = doc["xs:schema"] as Node;
  const known = new Set(["xs:element", "xmlns:xs"]);
  for (const k of Object.keys(schema))
    if (!known.has(k)) throw new Error(`unsupported schema construct ${k}`);
  const rules = new Map<string, ElementRule>();
  for (const el of list(schema["xs:element"])) {
    const name = String(el.name);
    if (el.type !== undefined) {
      if (el.type !== "xs:string") throw new Error(`${name}: unsupported type ${String(el.type)}`);
      rules.set(name, { attributes: new Map(), text: true });
      continue;
    }
    const complex = el["xs:complexType"] as Node | undefined;
    if (!complex) throw new Error(`${name}: neither a type nor a complexType`);
    for (const k of Object.keys(complex))
      if (!["xs:sequence", "xs:attribute", "mixed"].includes(k))
        throw new Error(`${name}: unsupported construct ${k}`);
    const attributes = new Map<string, "required" | "optional">();
    for (const a of list(complex["xs:attribute"])) {
      if (a.type !== "xs:string") throw new Error(`${name}@${String(a.name)}: unsupported type`);
      attributes.set(String(a.name), a.use === "required" ? "required" : "optional");
    }
    const sequence = complex["xs:sequence"] as Node | undefined;
    rules.set(name, {
      sequence: list(sequence?.["xs:element"]).map((p) => ({
        ref: String(p.ref),
        min: occurs(p.minOccurs, 1),
        max: occurs(p.maxOccurs, 1),
      })),
      attributes,
      text: complex.mixed === "true",
    });
  }
  return rules;
}

interface Ordered {
  name: string;
  attributes: Record<string, string>;
  children: Ordered[];
  text: string;
}

function ordered(nodes: Node[]): Ordered[] {
  const out: Ordered[] = [];
  for (const n of nodes) {
    const name = Object.keys(n).find((k) => k !== ":@");
    if (!name || name === "?xml") continue;
    if (name === "#text") continue;
    const content = list(n[name]);
    out.push({
      name,
      attributes: (n[":@"] ?? {}) as Record<string, string>,
      children: ordered(content),
      text: content
        .map((c) => c["#text"])
        .filter((t) => t !== undefined)
        .join(""),
    });
  }
  return out;
}

/**
 * Problems of `xml` against the schema's rules, as `path: problem` lines (empty when valid).
 * `extraAttributes` names attributes the document may carry beyond the schema, per element.
 */
export function validateXml(
  xml: string,
  rules: Map<string, ElementRule>,
  extraAttributes: Record<string, readonly string[]> = {},
): string[] {
  const problems: string[] = [];
  const check = (el: Ordered, path: string) => {
    const rule = rules.get(el.name);
    if (!rule) {
      problems.push(`${path}: element ${el.name} is not in the schema`);
      return;
    }
    for (const [attr, use] of rule.attributes)
      if (use === "required" && el.attributes[attr] === undefined)
        problems.push(`${path}: missing required attribute ${attr}`);
    for (const attr of Object.keys(el.attributes))
      if (!rule.attributes.has(attr) && !extraAttributes[el.name]?.includes(attr))
        problems.push(`${path}: attribute ${attr} is not in the schema`);
    if (!rule.sequence) {
      if (el.children.length > 0) problems.push(`${path}: ${el.name} holds text only`);
      return;
    }
    if (!rule.text && el.text.trim() !== "") problems.push(`${path}: text is not allowed in ${el.name}`);
    // The sequence in order: each particle takes min..max consecutive children of its name.
    let i = 0;
    for (const p of rule.sequence) {
      let n = 0;
      while (i < el.children.length && el.children[i]?.name === p.ref && n < p.max) {
        i++;
        n++;
      }
      if (n < p.min) problems.push(`${path}: expected at least ${p.min} ${p.ref}, found ${n}`);
    }
    if (i < el.children.length)
      problems.push(`${path}: ${el.children[i]?.name} is not allowed there (the schema's order)`);
    el.children.forEach((c, j) => {
      check(c, `${path}/${c.name}[${j}]`);
    });
  };
  const roots = ordered(parser(true).parse(xml) as Node[]);
  if (roots.length !== 1) problems.push(`expected one root element, found ${roots.length}`);
  for (const r of roots) check(r, `/${r.name}`);
  return problems;
}
