import { displayText, displayValue } from "../../components/errors/display";
import { type FieldChange, fieldChanges } from "./object-diff";
import { isKubernetesObject, type ResourceRecord } from "./render";

// What changed between a baseline plan and this one: Kubernetes objects by their manifest path
// (manifest-names.ts), every other resource (Azure, random, providers) by its URN without the
// stack, compared on the redacted values the plan writes, so no secret can appear in a diff.

/** The parts of a plan a diff compares: what `out/<stack>/` holds. */
export interface PlanSnapshot {
  /** Kubernetes objects by manifest path (`platform/deployment-content.yaml`). */
  manifests: ReadonlyMap<string, unknown>;
  resources: readonly ResourceRecord[];
}

export interface ObjectChange {
  /** `platform/deployment-content` or `azure-native:cache:RedisEnterprise redis`. */
  id: string;
  change: "added" | "removed" | "changed";
  /** Changed objects: each field that differs. */
  fields: FieldChange[];
}

export interface PlanDiff {
  /** What the plan was compared with: a directory or a git ref. */
  baseline: string;
  changes: ObjectChange[];
}

export function diffPlans(baseline: PlanSnapshot, current: PlanSnapshot, label: string): PlanDiff {
  return {
    baseline: label,
    changes: [
      ...diffMaps(manifestEntries(baseline), manifestEntries(current)),
      ...diffMaps(resourceEntries(baseline), resourceEntries(current)),
    ],
  };
}

function manifestEntries(plan: PlanSnapshot): Map<string, unknown> {
  return new Map([...plan.manifests].map(([path, object]) => [path.replace(/\.yaml$/, ""), object]));
}

/** Resources other than Kubernetes objects (those compare as manifests), custom ones only. */
function resourceEntries(plan: PlanSnapshot): Map<string, unknown> {
  const entries = new Map<string, unknown>();
  for (const r of plan.resources) {
    if (!r.custom || isKubernetesObject(r)) continue;
    // The URN without `urn:pulumi:<stack>::<project>::`: the resource's identity across plans.
    const identity = r.urn.split("::").slice(2).join("::");
    entries.set(`${r.type} ${r.name}${entries.has(`${r.type} ${r.name}`) ? ` (${identity})` : ""}`, {
      inputs: r.inputs,
      ...(r.protect ? { protect: true } : {}),
      ...(r.retainOnDelete ? { retainOnDelete: true } : {}),
    });
  }
  return entries;
}

function diffMaps(before: Map<string, unknown>, after: Map<string, unknown>): ObjectChange[] {
  const changes: ObjectChange[] = [];
  for (const id of [...new Set([...before.keys(), ...after.keys()])].sort()) {
    if (!after.has(id)) changes.push({ id, change: "removed", fields: [] });
    else if (!before.has(id)) changes.push({ id, change: "added", fields: [] });
    else {
      const fields = fieldChanges(before.get(id), after.get(id));
      if (fields.length > 0) changes.push({ id, change: "changed", fields });
    }
  }
  return changes;
}

export function countChanges(diff: PlanDiff): Record<ObjectChange["change"], number> {
  const counts = { added: 0, changed: 0, removed: 0 };
  for (const c of diff.changes) counts[c.change]++;
  return counts;
}

const SIGN = { added: "+", removed: "-", changed: "~" } as const;

/** One field change as `path: before → after` (escaped, cut). */
export function describeField(f: FieldChange): string {
  if (!("before" in f)) return `${f.path}: added ${displayValue(f.after)}`;
  if (!("after" in f)) return `${f.path}: removed (was ${displayValue(f.before)})`;
  return `${f.path}: ${displayValue(f.before)} → ${displayValue(f.after)}`;
}

/**
 * The diff as text lines: a heading, then `+ id`, `- id`, `~ id` with its fields indented; a
 * terminal or CI log gets the first objects, diff.json and summary.md have them all.
 */
export function diffLines(diff: PlanDiff, maxFieldsPerObject = 20, maxObjects = 50): string[] {
  const counts = countChanges(diff);
  const lines = [
    `changes against ${displayText(diff.baseline, 200)}: ${counts.added} added, ${counts.changed} changed, ${counts.removed} removed`,
  ];
  if (diff.changes.length > maxObjects)
    lines.push(`  (the first ${maxObjects} of ${diff.changes.length} objects; diff.json lists them all)`);
  for (const c of diff.changes.slice(0, maxObjects)) {
    lines.push(`  ${SIGN[c.change]} ${displayText(c.id, 200)}`);
    for (const f of c.fields.slice(0, maxFieldsPerObject)) lines.push(`      ${describeField(f)}`);
    if (c.fields.length > maxFieldsPerObject)
      lines.push(
        `      … and ${c.fields.length - maxFieldsPerObject} more fields (diff.json lists them all)`,
      );
  }
  return lines;
}
