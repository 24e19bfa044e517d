// Environment of a container: literal `env` values, `valueFrom` references and `envFrom` sources,
// resolved against the ConfigMaps of the stack when a lookup is given (stack-level checks).

import { at, isRec, isUnknown, type Rec, recs, str } from "./json";
import { Recent } from "./recent";
import type { ContainerRef } from "./workload";

export type EnvOrigin =
  | "literal" // env[].value
  | "configMap" // env[].valueFrom.configMapKeyRef or envFrom.configMapRef, resolved
  | "secret" // env[].valueFrom.secretKeyRef or envFrom.secretRef
  | "field" // fieldRef / resourceFieldRef
  | "unknown"; // computed during preview, or a ConfigMap key not found in the stack

export interface EnvVar {
  name: string;
  /** The known value (literal or resolved from a ConfigMap); undefined for secrets and unknowns. */
  value: string | undefined;
  origin: EnvOrigin;
  /** Human description of where it comes from, e.g. `env[2]` or `ConfigMap content-env`. */
  from: string;
}

export interface ResolvedEnv {
  vars: Map<string, EnvVar>;
  /**
   * Sources whose keys we cannot see (envFrom a Secret, a ConfigMap that is not in the stack): a
   * variable may come from there, so "X is not configured" conclusions must be drawn carefully.
   */
  opaque: string[];
}

export type ConfigMapLookup = (namespace: string, name: string) => Record<string, string> | undefined;

/** Literal env only (`env[].value`), in declaration order; what a resource-level check can see. */
export function literalEnv(c: ContainerRef): EnvVar[] {
  const out: EnvVar[] = [];
  recs(c.spec.env).forEach((e, i) => {
    const name = str(e.name);
    if (!name) return;
    if (isUnknown(e.value)) {
      out.push({ name, value: undefined, origin: "unknown", from: `env[${i}]` });
    } else if (typeof e.value === "string") {
      out.push({ name, value: e.value, origin: "literal", from: `env[${i}]` });
    }
  });
  return out;
}

/** Kubernetes precedence: envFrom sources in order (later wins), then env entries (env wins). */
export function resolveEnv(c: ContainerRef, namespace: string, lookup?: ConfigMapLookup): ResolvedEnv {
  const vars = new Map<string, EnvVar>();
  const opaque: string[] = [];
  for (const src of recs(c.spec.envFrom)) {
    const prefix = str(src.prefix) ?? "";
    const cmName = str(at(src, "configMapRef", "name"));
    const secretName = str(at(src, "secretRef", "name"));
    if (cmName !== undefined) {
      const data = lookup?.(namespace, cmName);
      if (data) {
        for (const [k, v] of Object.entries(data)) {
          vars.set(prefix + k, {
            name: prefix + k,
            value: v,
            origin: "configMap",
            from: `ConfigMap ${cmName}`,
          });
        }
      } else {
        opaque.push(`ConfigMap ${cmName}`);
      }
    } else if (secretName !== undefined) {
      opaque.push(`Secret ${secretName}`);
    } else if (isRec(src.configMapRef) || isRec(src.secretRef)) {
      opaque.push("envFrom with a computed name");
    }
  }
  recs(c.spec.env).forEach((e, i) => {
    const name = str(e.name);
    if (!name) return;
    const from = `env[${i}]`;
    if (typeof e.value === "string") {
      vars.set(name, { name, value: e.value, origin: "literal", from });
      return;
    }
    if (isUnknown(e.value)) {
      vars.set(name, { name, value: undefined, origin: "unknown", from });
      return;
    }
    const vf = e.valueFrom;
    if (!isRec(vf)) {
      vars.set(name, { name, value: "", origin: "literal", from });
      return;
    }
    if (isRec(vf.secretKeyRef)) {
      const sn = str(vf.secretKeyRef.name) ?? "?";
      vars.set(name, { name, value: undefined, origin: "secret", from: `Secret ${sn}` });
    } else if (isRec(vf.configMapKeyRef)) {
      const cmName = str(vf.configMapKeyRef.name);
      const key = str(vf.configMapKeyRef.key);
      const data = cmName !== undefined ? lookup?.(namespace, cmName) : undefined;
      const value = data && key !== undefined ? data[key] : undefined;
      vars.set(name, {
        name,
        value,
        origin: value === undefined ? "unknown" : "configMap",
        from: `ConfigMap ${cmName ?? "?"} key ${key ?? "?"}`,
      });
    } else {
      vars.set(name, { name, value: undefined, origin: "field", from });
    }
  });
  return { vars, opaque };
}

const dataCache = new Recent<Rec, Record<string, string>>();

/** ConfigMap `data` as a string map (binaryData is not text configuration; the last few remembered). */
export function configMapData(props: Rec): Record<string, string> {
  const hit = dataCache.get(props);
  if (hit) return hit;
  const out: Record<string, string> = {};
  const data = props.data;
  if (isRec(data)) for (const [k, v] of Object.entries(data)) if (typeof v === "string") out[k] = v;
  dataCache.set(props, out);
  return out;
}

const TRUTHY = new Set(["true", "1", "yes", "on", "y", "enabled"]);

export function truthy(v: string | undefined): boolean {
  return v !== undefined && TRUTHY.has(v.trim().toLowerCase());
}

const tokenCache = new Map<string, string[]>();

/** Splits an env name into upper-case tokens: `APP__CACHE__ADAPTER` -> [APP, CACHE, ADAPTER]. */
export function nameTokens(name: string): string[] {
  const hit = tokenCache.get(name);
  if (hit) return hit;
  const tokens = name
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .toUpperCase()
    .split(/[^A-Z0-9]+/)
    .filter(Boolean);
  if (tokenCache.size > 20_000) tokenCache.clear();
  tokenCache.set(name, tokens);
  return tokens;
}
