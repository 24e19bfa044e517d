// Kubernetes YAML -> AnalyzedResource: multi-document files, directories (recursively, .yaml/.yml),
// or stdin ("-"). Each object becomes the resource Pulumi would create for it: type token from
// apiVersion + kind (core group -> kubernetes:core/v1:Kind, others kubernetes:<group>/<version>:Kind),
// Pulumi name `<namespace>/<name>` as yaml.ConfigFile names them, props = the object. `List` objects
// (and `*List` kinds with items) are expanded.

import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { loadAll, YAMLException } from "js-yaml";
import { isClusterScoped, typeToken } from "../lib/k8s";
import type { AnalyzedResource } from "./analyze";

export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InputError";
  }
}

export interface KubeObject {
  object: Record<string, unknown>;
  /** Where it came from: file path (or "<stdin>") and 1-based document index. */
  source: string;
  document: number;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Parses multi-document YAML text; throws InputError naming the source, document and reason.
 * js-yaml (YAML 1.2 core schema, as Kubernetes reads it) parses large Helm outputs about five times
 * faster than a CST-keeping parser; duplicate keys keep the last value, as kubectl does.
 */
export function parseKubernetesYaml(text: string, source: string): KubeObject[] {
  const out: KubeObject[] = [];
  let n = 0;
  try {
    loadAll(
      text,
      (value) => {
        n++;
        if (value === null || value === undefined) return; // empty document
        collect(value, source, n, out, `document ${n}`);
      },
      { json: true, filename: source },
    );
  } catch (error) {
    if (!(error instanceof YAMLException)) throw error;
    // js-yaml parses every document before handing out the first: locate the broken one by position.
    const at = documentAt(text, error.mark.position);
    throw new InputError(
      `${source}: document ${at}: invalid YAML: ${error.reason} (line ${error.mark.line + 1})`,
    );
  }
  return out;
}

/** 1-based index of the YAML document that contains a character position. */
function documentAt(text: string, position: number): number {
  const separators = text.slice(0, position).match(/^---/gm)?.length ?? 0;
  // A separator before any content opens document 1 rather than closing one.
  const leading = /^(\s*#.*\n|\s*\n)*---/.test(text) ? 1 : 0;
  return Math.max(1, separators - leading + 1);
}

function collect(value: unknown, source: string, n: number, out: KubeObject[], where: string): void {
  if (!isObject(value))
    throw new InputError(
      `${source}: ${where}: expected a Kubernetes object, got ${Array.isArray(value) ? "a list" : typeof value}`,
    );
  const kind = value.kind;
  const apiVersion = value.apiVersion;
  if (typeof kind !== "string" || kind === "") throw new InputError(`${source}: ${where}: missing "kind"`);
  if (typeof apiVersion !== "string" || apiVersion === "")
    throw new InputError(`${source}: ${where}: missing "apiVersion"`);
  if (kind === "List" || (kind.endsWith("List") && Array.isArray(value.items))) {
    const items = Array.isArray(value.items) ? value.items : [];
    items.forEach((item, j) => {
      collect(item, source, n, out, `${where}, items[${j}]`);
    });
    return;
  }
  out.push({ object: value, source, document: n });
}

function yamlFiles(dir: string): string[] {
  const out: string[] = [];
  const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
  for (const e of entries) {
    if (e.name.startsWith(".") || e.name === "node_modules") continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...yamlFiles(p));
    else if (e.isFile() && /\.ya?ml$/i.test(e.name)) out.push(p);
  }
  return out;
}

/** Reads files, directories (recursively) or "-" (the given stdin text). */
export function readKubernetesInputs(paths: string[], stdin?: () => string): KubeObject[] {
  const out: KubeObject[] = [];
  for (const path of paths) {
    if (path === "-") {
      if (!stdin) throw new InputError("<stdin>: no input available");
      out.push(...parseKubernetesYaml(stdin(), "<stdin>"));
      continue;
    }
    let isDir: boolean;
    try {
      isDir = statSync(path).isDirectory();
    } catch (e) {
      throw new InputError(
        `${path}: cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      );
    }
    const files = isDir ? yamlFiles(path) : [path];
    for (const file of files) {
      let text: string;
      try {
        text = readFileSync(file, "utf8");
      } catch (e) {
        throw new InputError(
          `${file}: cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
        );
      }
      const shown = isDir ? join(path, relative(path, file)) : file;
      out.push(...parseKubernetesYaml(text, shown));
    }
  }
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
  const pulumiName = isClusterScoped(kind) || !ns ? name : `${ns}/${name}`;
  return {
    type,
    name: pulumiName,
    urn: `urn:pulumi:${stack}::${project}::${type}::${pulumiName}`,
    props: o.object,
  };
}

export function loadKubernetesResources(paths: string[], stdin?: () => string): AnalyzedResource[] {
  const objects = readKubernetesInputs(paths, stdin);
  const seen = new Map<string, number>();
  return objects.map((o) => {
    const r = toAnalyzedResource(o);
    // Two objects with one URN would hide each other in stack lookups: keep them apart.
    const count = seen.get(r.urn) ?? 0;
    seen.set(r.urn, count + 1);
    return count === 0 ? r : { ...r, urn: `${r.urn}#${count + 1}` };
  });
}
