import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { manifestPaths } from "./manifest-names";
import { toManifestYaml } from "./manifest-yaml";
import { redact, redactKubernetesObject } from "./redact";
import type { RecordedResource } from "./runtime";

// Writes what a plan produced: one YAML file per Kubernetes object, every resource with its
// (redacted) inputs, and the outputs. Nothing secret is ever written in plain text.

/** `kubernetes:apps/v1:Deployment` -> true; providers and provider-side components -> false. */
export function isKubernetesObject(r: { type: string; custom: boolean }): boolean {
  return (
    r.custom &&
    /^kubernetes:[^:]+:[A-Za-z]+$/.test(r.type) &&
    !/^kubernetes:(helm\.sh|yaml|kustomize)\//.test(r.type)
  );
}

export function kubernetesObjects(resources: readonly RecordedResource[]): Array<Record<string, unknown>> {
  return resources.filter(isKubernetesObject).map((r) => redactKubernetesObject(r.state));
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

export type ResourceRecord = ReturnType<typeof resourceRecord>;

export interface RenderedPlan {
  /** Kubernetes objects by their path under manifests/ (redacted, as written). */
  manifests: Map<string, Record<string, unknown>>;
  resources: ResourceRecord[];
}

/** Writes the plan's files into `directory` (a fresh, empty directory: see output-dir.ts). */
export function writePlan(
  directory: string,
  resources: readonly RecordedResource[],
  outputs: Record<string, unknown>,
  graphMermaid: string,
): RenderedPlan {
  const manifestsDir = join(directory, "manifests");
  const objects = kubernetesObjects(resources);
  const paths = manifestPaths(objects);
  const manifests = new Map<string, Record<string, unknown>>();
  for (const [i, object] of objects.entries()) {
    const path = paths[i] as string;
    manifests.set(path, object);
    mkdirSync(dirname(join(manifestsDir, path)), { recursive: true });
    writeFileSync(join(manifestsDir, path), toManifestYaml(object));
  }
  const records = resources.map(resourceRecord);
  writeFileSync(join(directory, "resources.json"), `${JSON.stringify(records, null, 2)}\n`);
  writeFileSync(join(directory, "outputs.json"), `${JSON.stringify(redact(outputs), null, 2)}\n`);
  writeFileSync(join(directory, "graph.mmd"), graphMermaid);
  return { manifests, resources: records };
}
