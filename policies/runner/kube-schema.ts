// Validates Kubernetes objects against the OpenAPI schemas of their apiVersion and kind, offline, as
// kubeconform does: the generated validators of `kubernetes-models` (built-in kinds, removed API
// versions included). Kinds it does not model (custom resources) are counted, not validated.
// Additional properties are allowed (kubeconform's default, non-strict mode).
//
// kubernetes-models is ES modules exporting `import` conditions only: the models of the kinds present
// are imported (by absolute path, found from the package's directory) before a run, then validation
// is synchronous. Loading a model costs tens of milliseconds, so only the kinds present are loaded.

import { existsSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

type Validatable = { validate(): void };
type ModelClass = new (data: unknown) => Validatable;

interface AjvError {
  instancePath?: string;
  message?: string;
  params?: Record<string, unknown>;
}

let packageDir: string | null | undefined;

function modelsDir(): string | null {
  if (packageDir !== undefined) return packageDir;
  packageDir = null;
  for (const dir of require.resolve.paths("kubernetes-models") ?? []) {
    if (existsSync(join(dir, "kubernetes-models", "package.json"))) {
      packageDir = join(dir, "kubernetes-models");
      break;
    }
  }
  return packageDir;
}

const SAFE_SEGMENT = /^[a-z0-9][a-z0-9.-]*$/;
const SAFE_KIND = /^[A-Z][A-Za-z0-9]*$/;
const models = new Map<string, ModelClass | null>();

const modelKey = (apiVersion: string, kind: string) => `${apiVersion}\u0000${kind}`;

/** The model file of an apiVersion/kind, or null when kubernetes-models has none (a custom resource). */
function modelFile(apiVersion: string, kind: string): string | null {
  const segments = apiVersion.split("/");
  const dir = modelsDir();
  // Untrusted input names the file: only plain group/version/kind segments reach the file system.
  if (!dir || !SAFE_KIND.test(kind) || segments.length > 2 || !segments.every((s) => SAFE_SEGMENT.test(s)))
    return null;
  const file = join(dir, ...segments, `${kind}.js`);
  return existsSync(file) ? file : null;
}

/** Loads the models of every apiVersion/kind among `objects` (call before schemaErrors). */
export async function loadSchemas(objects: Iterable<Record<string, unknown>>): Promise<void> {
  const wanted = new Map<string, { apiVersion: string; kind: string }>();
  for (const o of objects) {
    const apiVersion = String(o.apiVersion);
    const kind = String(o.kind);
    const key = modelKey(apiVersion, kind);
    if (!models.has(key)) wanted.set(key, { apiVersion, kind });
  }
  for (const [key, { apiVersion, kind }] of wanted) {
    const file = modelFile(apiVersion, kind);
    const mod = file ? ((await import(pathToFileURL(file).href)) as Record<string, ModelClass>) : undefined;
    models.set(key, mod?.[kind] ?? null);
  }
}

/** `/spec/template/spec/containers/0/image` -> `spec.template.spec.containers[0].image`. */
function fieldPath(instancePath: string | undefined): string {
  if (!instancePath) return "(root)";
  return instancePath
    .slice(1)
    .split("/")
    .map((s) => s.replaceAll("~1", "/").replaceAll("~0", "~"))
    .reduce((acc, s) => (/^\d+$/.test(s) ? `${acc}[${s}]` : acc ? `${acc}.${s}` : s), "");
}

export const MAX_SCHEMA_ERRORS_SHOWN = 5;

export interface SchemaResult {
  /** False when no schema is known for the kind (custom resources). */
  validated: boolean;
  errors: string[];
}

/** Schema errors of one object, e.g. `spec.replicas must be integer` (its model loaded by loadSchemas). */
export function schemaErrors(object: Record<string, unknown>): SchemaResult {
  const model = models.get(modelKey(String(object.apiVersion), String(object.kind)));
  if (!model) return { validated: false, errors: [] };
  try {
    // The model's validate() on the object itself: constructing the model would deep-copy it first.
    model.prototype.validate.call(object);
    return { validated: true, errors: [] };
  } catch (error) {
    const list = (error as { errors?: AjvError[] }).errors;
    if (!Array.isArray(list)) return { validated: true, errors: [(error as Error).message] };
    const seen = new Set<string>();
    for (const e of list) {
      const allowed = e.params?.allowedValues;
      const suffix = Array.isArray(allowed) ? ` (${allowed.map((a) => JSON.stringify(a)).join(", ")})` : "";
      seen.add(`${fieldPath(e.instancePath)} ${e.message ?? "is invalid"}${suffix}`);
    }
    return { validated: true, errors: [...seen] };
  }
}
