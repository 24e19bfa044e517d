// `<<` merge keys as kubectl reads them. go-yaml v2 (sigs.k8s.io/yaml) decodes a mapping's entries in
// the order written, and a merge assigns every key of its source(s) at its own position: a key set
// before the `<<` is overwritten by the merged value, one set after it wins, and of a list of sources
// (`<<: [*a, *b]`) the earlier wins. js-yaml follows the YAML spec instead (the mapping's own keys
// always win), so `privileged: false` followed by `<<: {privileged: true}` would pass the checks while
// kubectl sends `privileged: true`. The schema therefore reads a `<<` key as a unique marker key
// (its value the source, unmerged), and `applyMerges` merges in go-yaml's order after the parse.
// Duplicate keys are refused by the parser, so a mapping's key order is the order written, except for
// integer-like keys (JavaScript lists them first): such a key both set and merged is refused.

import { randomUUID } from "node:crypto";
import { InputError } from "./input-error";

/** How far merges may expand a document: beyond `floor` copied keys, at most `ratio` times those written. */
export interface MergeLimits {
  floor: number;
  ratio: number;
}

/** Marker keys carry a per-process nonce: no key written in a document can be mistaken for one. */
const MARKER_PREFIX = `\u0000<<${randomUUID()}#`;
let markers = 0;

/** A new key for one `<<` entry (the parser stores its source under it). */
export function mergeMarkerKey(): string {
  markers++;
  return `${MARKER_PREFIX}${markers}`;
}

const isMarker = (key: string) => key.startsWith(MARKER_PREFIX);

/** An array index key: JavaScript keeps these first in an object whatever the order written. */
const isIndexKey = (key: string) => /^(?:0|[1-9][0-9]{0,9})$/.test(key) && Number(key) < 4294967295;

function define(target: Record<string, unknown>, key: string, value: unknown): void {
  // defineProperty: a `__proto__` key stays an own property (assignment would set the prototype).
  Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
}

/**
 * Merges every `<<` marker of a parsed document in place, as go-yaml v2 does; throws InputError
 * (`where` names the document) for a source that is not a mapping, a mapping merged into itself, or
 * an integer-like key both written and merged (its written position is lost).
 */
export function applyMerges(value: unknown, where: string, limits: MergeLimits): void {
  const done = new Set<object>();
  const active = new Set<object>();
  // Merges copy keys: like aliases, they may not expand the document beyond a bound (a source of
  // 100,000 keys merged 20,000 times would take hours). go-yaml v2 refuses it as excessive aliasing.
  let nodes = 0;
  let copied = 0;
  const visit = (v: unknown): void => {
    if (typeof v !== "object" || v === null || done.has(v)) return;
    if (active.has(v)) throw new InputError(`${where}: a \`<<\` merge includes the mapping it is in`);
    active.add(v);
    if (Array.isArray(v)) {
      nodes += v.length;
      for (let i = 0; i < v.length; i++) {
        if (typeof v[i] === "string" && isMarker(v[i])) v[i] = "<<";
        else visit(v[i]);
      }
    } else mergeInto(v as Record<string, unknown>);
    active.delete(v);
    done.add(v);
  };
  const mergeInto = (obj: Record<string, unknown>): void => {
    const keys = Object.keys(obj);
    nodes += keys.length;
    for (const k of keys) {
      if (isMarker(k)) continue;
      // `<<` as a value is the string "<<" (the schema cannot tell a key from a value).
      if (typeof obj[k] === "string" && isMarker(obj[k] as string)) obj[k] = "<<";
      else visit(obj[k]);
    }
    if (!keys.some(isMarker)) return;
    const merged = new Map<string, unknown>();
    const written = new Set<string>();
    for (const k of keys) {
      const source = obj[k];
      if (!isMarker(k)) {
        merged.set(k, source);
        written.add(k);
        continue;
      }
      const sources = Array.isArray(source) ? [...source].reverse() : [source];
      for (const s of sources) {
        if (typeof s !== "object" || s === null || Array.isArray(s))
          throw new InputError(
            `${where}: a \`<<\` merge key needs a mapping or a list of mappings as its value (kubectl refuses anything else)`,
          );
        visit(s);
        const entries = Object.entries(s);
        copied += entries.length;
        if (copied > limits.floor && copied > limits.ratio * nodes)
          throw new InputError(
            `${where}: \`<<\` merges copy more than ${limits.ratio} times the keys written (over ${limits.floor.toLocaleString("en-US")}): refused as an alias bomb, as kubectl refuses excessive aliasing`,
          );
        for (const [mk, mv] of entries) {
          if (isIndexKey(mk) && written.has(mk))
            throw new InputError(
              `${where}: key "${mk}" is both written and merged in by \`<<\`: kubectl's result depends on their order. Fix: keep one of them`,
            );
          merged.set(mk, mv);
        }
      }
    }
    for (const k of keys) delete obj[k];
    for (const [k, v] of merged) define(obj, k, v);
  };
  visit(value);
}
