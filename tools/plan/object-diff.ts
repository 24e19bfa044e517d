// Field-level differences between two JSON-like values, with paths a reviewer can read:
// `spec.template.spec.containers[name=web].env[name=APP__LOG_LEVEL].value`. Lists of named
// entries (containers, env, ports, volumes) are matched by name, so an insertion does not show
// as a change of every entry after it.

export interface FieldChange {
  path: string;
  /** Absent before (an added field). */
  before?: unknown;
  /** Absent after (a removed field). */
  after?: unknown;
}

export function fieldChanges(before: unknown, after: unknown, path = ""): FieldChange[] {
  if (isEqual(before, after)) return [];
  if (isRecord(before) && isRecord(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((key) => {
      const child = path ? `${path}.${key}` : key;
      if (!(key in after)) return [{ path: child, before: before[key] }];
      if (!(key in before)) return [{ path: child, after: after[key] }];
      return fieldChanges(before[key], after[key], child);
    });
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const names = namedEntries(before) && namedEntries(after);
    if (names) {
      const byName = (list: unknown[]) => new Map(list.map((e) => [(e as { name: string }).name, e]));
      const b = byName(before);
      const a = byName(after);
      const order = [...new Set([...b.keys(), ...a.keys()])];
      return order.flatMap((name) => {
        const child = `${path}[name=${name}]`;
        if (!a.has(name)) return [{ path: child, before: b.get(name) }];
        if (!b.has(name)) return [{ path: child, after: a.get(name) }];
        return fieldChanges(b.get(name), a.get(name), child);
      });
    }
    const length = Math.max(before.length, after.length);
    return Array.from({ length }, (_, i) => i).flatMap((i) => {
      const child = `${path}[${i}]`;
      if (i >= after.length) return [{ path: child, before: before[i] }];
      if (i >= before.length) return [{ path: child, after: after[i] }];
      return fieldChanges(before[i], after[i], child);
    });
  }
  return [{ path: path || "(value)", before, after }];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Every entry an object with a distinct string `name`. */
function namedEntries(list: unknown[]): boolean {
  if (list.length === 0) return false;
  const names = new Set<string>();
  for (const entry of list) {
    if (!isRecord(entry) || typeof entry.name !== "string" || names.has(entry.name)) return false;
    names.add(entry.name);
  }
  return true;
}

function isEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  return stableJson(a) === stableJson(b);
}

/** JSON with sorted keys: key order is not a change. */
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(",")}]`;
  if (isRecord(value))
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson(value[k])}`)
      .join(",")}}`;
  return JSON.stringify(value) ?? "undefined";
}
