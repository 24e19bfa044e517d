// JSON text in pieces, byte for byte what `JSON.stringify(value, null, 2)` writes, so a large report
// is written while it is built instead of being held whole: arrays wrapped in `lazyArray` are read
// one element at a time (their elements can be made on the fly from the findings), and only the
// branches that hold one are walked here; everything else is serialised by JSON.stringify itself.

/** An array whose elements (plain data, no lazy arrays inside) are produced while the JSON is written. */
export class LazyArray<T> {
  constructor(readonly items: Iterable<T>) {}
}

export function lazyArray<T, U>(items: readonly T[], map: (item: T) => U): LazyArray<U> {
  return new LazyArray(
    (function* () {
      for (const item of items) yield map(item);
    })(),
  );
}

/** What JSON.stringify leaves out of an object (and writes as null in an array). */
function omitted(v: unknown): boolean {
  return v === undefined || typeof v === "function" || typeof v === "symbol";
}

function holdsLazy(v: unknown): boolean {
  if (v instanceof LazyArray) return true;
  if (Array.isArray(v)) return v.some(holdsLazy);
  if (typeof v === "object" && v !== null) return Object.values(v).some(holdsLazy);
  return false;
}

/** `JSON.stringify(value, null, 2)` in pieces (plain data: no toJSON, no cycles). */
export function* jsonChunks(value: unknown, indent = ""): Generator<string> {
  if (!holdsLazy(value)) {
    const text = JSON.stringify(value, null, 2) ?? "null";
    yield indent ? text.replaceAll("\n", `\n${indent}`) : text;
    return;
  }
  const inner = `${indent}  `;
  if (value instanceof LazyArray || Array.isArray(value)) {
    const lazy = value instanceof LazyArray;
    const items: Iterable<unknown> = lazy ? value.items : value;
    let first = true;
    for (const item of items) {
      const head = `${first ? "[" : ","}\n${inner}`;
      first = false;
      if (lazy) {
        // One finding's entry: serialised directly, one piece with its separator.
        const text = omitted(item) ? "null" : JSON.stringify(item, null, 2);
        yield head + text.replaceAll("\n", `\n${inner}`);
      } else {
        yield head;
        yield* jsonChunks(omitted(item) ? null : item, inner);
      }
    }
    yield first ? "[]" : `\n${indent}]`;
    return;
  }
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => !omitted(v));
  if (entries.length === 0) {
    yield "{}";
    return;
  }
  let first = true;
  for (const [key, v] of entries) {
    yield `${first ? "{" : ","}\n${inner}${JSON.stringify(key)}: `;
    first = false;
    yield* jsonChunks(v, inner);
  }
  yield `\n${indent}}`;
}
