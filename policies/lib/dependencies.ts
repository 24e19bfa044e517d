// Which resource a property of another resource points at, by the engine's property
// dependencies (the resource ids of Azure are outputs, unknown during a first preview, so a lock's
// `scope` or a diagnostic setting's `resourceUri` is matched to its target by dependency, not by value).

import type { PolicyResource } from "@pulumi/policy";

/** URNs of the resources a property of `r` was computed from. */
export function propertyTargets(r: PolicyResource, property: string): Set<string> {
  const deps = (r.propertyDependencies ?? {}) as Record<string, PolicyResource[] | undefined>;
  return new Set((deps[property] ?? []).map((d) => d.urn));
}
