// Application workloads of a stack with their resolved environments (literal env + ConfigMaps).

import type { PolicyConfigJSONSchema } from "@pulumi/policy/schema";
import { applicationImagesOf, isApplicationWorkload, isInfrastructureImage } from "./classify";
import type { ResolvedEnv } from "./env";
import type { StackIndex, StackWorkload } from "./stack";
import type { ContainerRef } from "./workload";

export interface AppContainer {
  c: ContainerRef;
  env: ResolvedEnv;
}

export interface AppWorkload {
  sw: StackWorkload;
  /** Regular containers that are not a recognised infrastructure image (nginx sidecars are skipped). */
  containers: AppContainer[];
}

export const applicationImagesSchema: Record<string, PolicyConfigJSONSchema> = {
  applicationImages: {
    type: "array",
    items: { type: "string" },
    default: [],
    description:
      "Image globs that always count as application workloads (in addition to the app.kubernetes.io/component and APP_ENV rules).",
  },
};

// Several stack policies ask for the same stack's application workloads: computed once per index
// and applicationImages setting.
const cache = new WeakMap<StackIndex, Map<string, AppWorkload[]>>();

export function applicationWorkloads(index: StackIndex, cfg: Record<string, unknown>): AppWorkload[] {
  const globs = applicationImagesOf(cfg);
  const key = JSON.stringify(globs);
  let byGlobs = cache.get(index);
  if (!byGlobs) {
    byGlobs = new Map();
    cache.set(index, byGlobs);
  }
  const hit = byGlobs.get(key);
  if (hit) return hit;
  const out = findApplicationWorkloads(index, globs);
  byGlobs.set(key, out);
  return out;
}

function findApplicationWorkloads(index: StackIndex, globs: string[]): AppWorkload[] {
  const out: AppWorkload[] = [];
  for (const sw of index.workloads) {
    const ns = sw.w.namespace ?? "default";
    const envOf = (c: ContainerRef) => index.envOf(c, ns);
    const regular = sw.w.containers.filter((c) => c.role === "container");
    const setsAppEnv = () => regular.some((c) => envOf(c).vars.has("APP_ENV"));
    if (!isApplicationWorkload(sw.w, setsAppEnv, globs)) continue;
    const nonInfra = regular.filter(
      (c) => typeof c.spec.image !== "string" || !isInfrastructureImage(c.spec.image),
    );
    const chosen = nonInfra.length > 0 ? nonInfra : regular;
    out.push({ sw, containers: chosen.map((c) => ({ c, env: envOf(c) })) });
  }
  return out;
}
