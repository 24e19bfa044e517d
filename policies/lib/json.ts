// Plain-JSON views of the props the analyzer hands to a policy.
//
// The real analyzer wraps `props` in `unknownCheckingProxy`: reading a value that is unknown during
// preview (an output of a resource not created yet) throws, and the whole policy is then reported as
// "can't run during preview". That is too coarse for us: one unknown env value would silence every
// security check on the Deployment. So the checks read a materialised copy in which the unknown
// sentinels become the `UNKNOWN` symbol, and decide field by field: an unknown value is never a
// violation by itself (the check runs again at `pulumi up`, when inputs are known).
//
// No Node.js API here: the pack type-checks standalone under ts-node without @types/node.

import { Recent } from "./recent";

export type Rec = Record<string, unknown>;

export const UNKNOWN: unique symbol = Symbol("unknown during preview");
export type Unknown = typeof UNKNOWN;

// The sentinels of @pulumi/policy's proxy.js (the engine's wire format for unknown values). The pack
// is published as its own folder, so it states them itself; tools/pulumi-internals checks them.
export const SENTINELS = new Set<string>([
  "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7", // boolean
  "3eeb2bf0-c639-47a8-9e75-3b44932eb421", // number
  "04da6b54-80e4-46f7-96ec-b56ff0331ba9", // string
  "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2", // array
  "030794c1-ac77-496b-92df-f27374a8bd58", // asset
  "e48ece36-62e2-4504-bad9-02848725956a", // archive
  "dd056dcd-154b-4c76-9bd3-c8f88648b5ff", // object
]);

export function isUnknown(v: unknown): v is Unknown {
  return v === UNKNOWN;
}

export function isRec(v: unknown): v is Rec {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function rec(v: unknown): Rec | undefined {
  return isRec(v) ? v : undefined;
}

export function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

export function recs(v: unknown): Rec[] {
  return arr(v).filter(isRec);
}

export function str(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}

export function num(v: unknown): number | undefined {
  return typeof v === "number" && Number.isFinite(v) ? v : undefined;
}

export function bool(v: unknown): boolean | undefined {
  return typeof v === "boolean" ? v : undefined;
}

export function strs(v: unknown): string[] {
  return arr(v).filter((x): x is string => typeof x === "string");
}

/** Reads a nested field; `undefined` as soon as a step is not an object. */
export function at(v: unknown, ...path: string[]): unknown {
  let cur = v;
  for (const key of path) {
    if (!isRec(cur)) return undefined;
    cur = cur[key];
  }
  return cur;
}

/** String-valued map (labels, annotations, ConfigMap data); unknown values are left out. */
export function strMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isRec(v)) return out;
  for (const [k, val] of Object.entries(v)) {
    if (typeof val === "string") out[k] = val;
  }
  return out;
}

/** Every sentinel is a UUID: only strings of that length are looked up (hashing every string costs). */
const SENTINEL_LENGTH = 36;

function isSentinel(v: string): boolean {
  return v.length === SENTINEL_LENGTH && SENTINELS.has(v);
}

function hasSentinel(v: unknown): boolean {
  if (typeof v === "string") return isSentinel(v);
  if (Array.isArray(v)) return v.some(hasSentinel);
  if (isRec(v)) {
    for (const k in v) if (hasSentinel(v[k])) return true;
  }
  return false;
}

function materialise(v: unknown): unknown {
  if (typeof v === "string") return isSentinel(v) ? UNKNOWN : v;
  if (Array.isArray(v)) return v.map(materialise);
  if (isRec(v)) {
    const out: Rec = {};
    for (const [k, val] of Object.entries(v)) {
      if (val !== undefined) out[k] = materialise(val);
    }
    return out;
  }
  return v;
}

const recent = new Recent<object, Rec>();

// `unknownCheckingProxy` hands back its target for this key (proxy.js `getSpecialProxyTarget`).
export const PROXY_TARGET_KEY = "__getSpecialProxyTarget";

function rawTarget(props: object): object {
  const target: unknown = Reflect.get(props, PROXY_TARGET_KEY);
  return typeof target === "object" && target !== null ? target : props;
}

/**
 * The props (proxied or not) as plain JSON with `UNKNOWN` in place of unknown values, remembered for
 * the last few underlying objects (./recent.ts): the checks of one resource pay for it once. Never
 * mutate the result: it may be the analyzer's own object.
 */
export function plain(props: unknown): Rec {
  if (typeof props !== "object" || props === null) return {};
  const target = rawTarget(props);
  const hit = recent.get(target);
  if (hit) return hit;
  // Copy only when there is something to replace (a preview with unknowns); otherwise read in place.
  const out = hasSentinel(target) ? materialise(target) : target;
  const result = isRec(out) ? out : {};
  recent.set(target, result);
  return result;
}
