// Keys that name JavaScript object internals. In data a user edits (stack files, service specs)
// they are never a setting: refused wherever they appear, so they never reach a schema or an
// object literal (prototype pollution).

export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(["__proto__", "constructor", "prototype"]);

export function isForbiddenKey(key: string): boolean {
  return FORBIDDEN_KEYS.has(key);
}

/** Paths of every forbidden key, at any depth (iterative: a deeply nested value cannot overflow). */
export function forbiddenKeyPaths(values: unknown): string[][] {
  const found: string[][] = [];
  const pending: Array<[value: unknown, path: string[]]> = [[values, []]];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [value, path] = next;
    if (value === null || typeof value !== "object") continue;
    for (const key of Object.keys(value)) {
      const child = [...path, key];
      if (isForbiddenKey(key)) found.push(child);
      else pending.push([(value as Record<string, unknown>)[key], child]);
    }
  }
  return found;
}
