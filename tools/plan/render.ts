import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import { redact, redactKubernetesObject } from "./redact";
import type { RecordedResource } from "./runtime";

// Writes what a plan produced: one YAML file per Kubernetes object, every resource with its
// (redacted) inputs, and the outputs. Nothing secret is ever written in plain text.

/** `kubernetes:apps/v1:Deployment` -> true; providers and provider-side components -> false. */
export function isKubernetesObject(r: RecordedResource): boolean {
  return (
    r.custom &&
    /^kubernetes:[^:]+:[A-Za-z]+$/.test(r.type) &&
    !/^kubernetes:(helm\.sh|yaml|kustomize)\//.test(r.type)
  );
}

export function kubernetesObjects(resources: readonly RecordedResource[]): Array<Record<string, unknown>> {
  return resources.filter(isKubernetesObject).map((r) => redactKubernetesObject(r.state));
}

function manifestPath(object: Record<string, unknown>): string {
  const metadata = (object.metadata ?? {}) as { name?: string; namespace?: string };
  const folder = metadata.namespace ?? "_cluster";
  return join(folder, `${String(object.kind).toLowerCase()}-${metadata.name ?? "unnamed"}.yaml`);
}

export function resourceRecord(r: RecordedResource) {
  return {
    urn: r.urn,
    type: r.type,
    name: r.name,
    ...(r.parent ? { parent: r.parent } : {}),
    ...(r.provider ? { provider: r.provider.split("::").slice(0, -1).join("::") } : {}),
    custom: r.custom,
    ...(r.dependencies.length ? { dependencies: r.dependencies } : {}),
    ...(r.protect ? { protect: true } : {}),
    ...(r.retainOnDelete ? { retainOnDelete: true } : {}),
    inputs:
      r.type.startsWith("kubernetes:") && isKubernetesObject(r)
        ? redactKubernetesObject(r.inputs)
        : redact(r.inputs),
  };
}

export interface RenderedPlan {
  directory: string;
  manifests: number;
}

export function writePlan(
  directory: string,
  resources: readonly RecordedResource[],
  outputs: Record<string, unknown>,
  graphMermaid: string,
): RenderedPlan {
  rmSync(directory, { recursive: true, force: true });
  const manifestsDir = join(directory, "manifests");
  mkdirSync(manifestsDir, { recursive: true });
  const objects = kubernetesObjects(resources);
  const seen = new Set<string>();
  for (const object of objects) {
    let path = manifestPath(object);
    // Same kind and name in one namespace would be a conflict in the cluster too; keep both visible.
    for (let i = 2; seen.has(path); i++) path = path.replace(/(-\d+)?\.yaml$/, `-${i}.yaml`);
    seen.add(path);
    mkdirSync(join(manifestsDir, path, ".."), { recursive: true });
    // YAML 1.1 quoting: kubectl and Helm read yes/no/on/off (and 0755, 1:20 ...) with 1.1 rules, so any
    // string they would turn into another type is written quoted.
    writeFileSync(join(manifestsDir, path), stringify(object, { lineWidth: 0, version: "1.1" }));
  }
  writeFileSync(
    join(directory, "resources.json"),
    `${JSON.stringify(resources.map(resourceRecord), null, 2)}\n`,
  );
  writeFileSync(join(directory, "outputs.json"), `${JSON.stringify(redact(outputs), null, 2)}\n`);
  writeFileSync(join(directory, "graph.mmd"), graphMermaid);
  return { directory, manifests: objects.length };
}
