import { createHash } from "node:crypto";
import { join } from "node:path";

// Where each Kubernetes object of a plan is written: `<namespace>/<kind>-<name>.yaml`, with names
// that stay the same from one plan to the next so that two plans compare file by file and an
// edit shows as an edit, not as a delete plus an add. The same path identifies an object in
// `--diff`, computed from the objects alone, so a baseline written by any version compares.

/**
 * A trailing `-<8 hex digits>` is generated, not chosen: Pulumi's auto-name suffix
 * (`<logical name>-<random>`, a ConfigMap without `metadata.name`) or a content hash the program
 * appends so that a change makes a new object (a migration Job per image).
 */
const GENERATED_SUFFIX = /-[0-9a-f]{8}$/;

interface ObjectIdentity {
  apiVersion?: unknown;
  kind?: unknown;
  metadata?: { name?: unknown; namespace?: unknown };
}

/** The object's name without a generated suffix. */
export function stableName(name: string): string {
  const stripped = name.replace(GENERATED_SUFFIX, "");
  return stripped === "" ? name : stripped;
}

function basePath(object: ObjectIdentity): string {
  const folder = typeof object.metadata?.namespace === "string" ? object.metadata.namespace : "_cluster";
  const name = typeof object.metadata?.name === "string" ? object.metadata.name : "unnamed";
  return join(folder, `${String(object.kind).toLowerCase()}-${stableName(name)}`);
}

function shortHash(...parts: unknown[]): string {
  return createHash("sha256").update(parts.map(String).join("\0")).digest("hex").slice(0, 8);
}

/**
 * One relative path per object, in the same order. Objects whose stable names collide keep their
 * full identity in a short hash (apiVersion, namespace, name); true duplicates (the same object
 * twice, a conflict in the cluster too) are numbered so both stay visible.
 */
export function manifestPaths(objects: readonly ObjectIdentity[]): string[] {
  const bases = objects.map(basePath);
  const count = new Map<string, number>();
  for (const base of bases) count.set(base, (count.get(base) ?? 0) + 1);
  const taken = new Set<string>();
  return objects.map((object, i) => {
    const base = bases[i] as string;
    let path =
      (count.get(base) ?? 0) > 1
        ? `${base}-${shortHash(object.apiVersion, object.metadata?.namespace, object.metadata?.name)}`
        : base;
    for (let n = 2; taken.has(path); n++) path = `${path.replace(/~\d+$/, "")}~${n}`;
    taken.add(path);
    return `${path}.yaml`;
  });
}
