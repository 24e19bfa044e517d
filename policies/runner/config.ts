// Pack configuration, resolved the way the Pulumi CLI resolves `--policy-pack-config` before it
// calls the analyzer's Configure RPC (pkg/resource/analyzer/config.go): every policy starts at its
// own enforcement level (or the pack's) with the `default`s of its configSchema; an `"all"` entry
// sets every level; then each policy's entry (a level string, or an object whose enforcementLevel is
// split off) is applied key by key; finally the properties are validated against the schema and the
// pack is refused on any error. Also loads policies/config/default.json and the per-stack overlays.

import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { EnforcementLevel, Policies, PolicyPackConfig } from "@pulumi/policy";
import { validate } from "./schema";

export const LEVELS: readonly EnforcementLevel[] = ["advisory", "mandatory", "remediate", "disabled"];

export interface PolicySettings {
  enforcementLevel: EnforcementLevel;
  properties: Record<string, unknown>;
}

export interface ResolvedPackConfig {
  /** Per policy: what the analyzer's Configure RPC would receive. */
  policies: Map<string, PolicySettings>;
  /** Problems the CLI refuses to run with (invalid levels, schema violations). */
  errors: string[];
  /** Harmless surprises (a policy name the pack does not have, a key its schema does not declare). */
  warnings: string[];
}

export class PolicyConfigError extends Error {
  constructor(readonly errors: string[]) {
    super(`invalid policy pack configuration:\n  ${errors.join("\n  ")}`);
    this.name = "PolicyConfigError";
  }
}

function isLevel(v: unknown): v is EnforcementLevel {
  return typeof v === "string" && (LEVELS as readonly string[]).includes(v);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

interface Given {
  level: EnforcementLevel | undefined;
  properties: Record<string, unknown>;
}

function parse(config: unknown, errors: string[]): Map<string, Given> {
  const out = new Map<string, Given>();
  if (config === undefined || config === null) return out;
  if (!isObject(config)) {
    errors.push("the pack config must be a JSON object keyed by policy name");
    return out;
  }
  for (const [name, value] of Object.entries(config)) {
    if (typeof value === "string") {
      if (!isLevel(value))
        errors.push(`parsing enforcement level for "${name}": "${value}" is not a valid enforcement level`);
      else out.set(name, { level: value, properties: {} });
    } else if (isObject(value)) {
      const { enforcementLevel, ...properties } = value;
      if (enforcementLevel !== undefined && !isLevel(enforcementLevel)) {
        errors.push(
          `parsing enforcement level for "${name}": ${JSON.stringify(enforcementLevel)} is not a valid enforcement level`,
        );
        continue;
      }
      out.set(name, { level: enforcementLevel, properties });
    } else {
      errors.push(
        `parsing "${name}": ${JSON.stringify(value)} is not a valid value; must be a string or object`,
      );
    }
  }
  return out;
}

export function resolvePackConfig(
  policies: Policies,
  packLevel: EnforcementLevel,
  config?: PolicyPackConfig | Record<string, unknown>,
): ResolvedPackConfig {
  const errors: string[] = [];
  const warnings: string[] = [];
  const given = parse(config, errors);
  const result = new Map<string, PolicySettings>();
  for (const p of policies) {
    const properties: Record<string, unknown> = {};
    for (const [k, schema] of Object.entries(p.configSchema?.properties ?? {})) {
      if (typeof schema === "object" && schema.default !== undefined)
        properties[k] = structuredClone(schema.default);
    }
    result.set(p.name, { enforcementLevel: p.enforcementLevel || packLevel, properties });
  }
  const all = given.get("all");
  if (all?.level) for (const s of result.values()) s.enforcementLevel = all.level;
  for (const [name, g] of given) {
    if (name === "all") continue;
    const s = result.get(name);
    if (!s) {
      warnings.push(`config for "${name}" matches no policy of the pack (ignored)`);
      continue;
    }
    if (g.level) s.enforcementLevel = g.level;
    Object.assign(s.properties, g.properties);
  }
  for (const p of policies) {
    const s = result.get(p.name);
    if (!s || !p.configSchema) continue;
    const schema = {
      type: "object" as const,
      properties: p.configSchema.properties,
      required: p.configSchema.required,
    };
    for (const e of validate(schema, s.properties)) errors.push(`${p.name}: ${e.replace(/^\(root\): /, "")}`);
    for (const k of Object.keys(s.properties)) {
      if (!Object.hasOwn(p.configSchema.properties, k))
        warnings.push(`${p.name}: config key "${k}" is not declared by the policy`);
    }
  }
  return { policies: result, errors, warnings };
}

/**
 * Overlays pack configs: per policy, a string replaces the level, object keys are merged, and
 * `exemptions` lists are concatenated (a stack adds exemptions; it cannot drop the default ones).
 */
export function mergePackConfigs(...configs: Array<Record<string, unknown> | undefined>): PolicyPackConfig {
  const out: Record<string, Record<string, unknown>> = {};
  for (const config of configs) {
    if (!config) continue;
    for (const [name, value] of Object.entries(config)) {
      const over =
        typeof value === "string" ? { enforcementLevel: value } : isObject(value) ? value : undefined;
      if (!over) continue;
      const cur = out[name] ?? {};
      const merged: Record<string, unknown> = { ...cur, ...over };
      if (Array.isArray(cur.exemptions) && Array.isArray(over.exemptions)) {
        merged.exemptions = [...cur.exemptions, ...over.exemptions];
      }
      out[name] = merged;
    }
  }
  return out as PolicyPackConfig;
}

export const CONFIG_DIR = join(__dirname, "..", "config");

export function readConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new PolicyConfigError([`cannot read ${file}: ${(e as Error).message}`]);
  }
  let parsed: unknown;
  try {
    parsed = text.trim() === "" ? {} : JSON.parse(text);
  } catch (e) {
    throw new PolicyConfigError([`${file} is not valid JSON: ${(e as Error).message}`]);
  }
  if (!isObject(parsed))
    throw new PolicyConfigError([`${file} must contain a JSON object keyed by policy name`]);
  return parsed;
}

/** policies/config/default.json, with policies/config/<stack>.json merged over it when it exists. */
export function loadPackConfig(stack?: string, dir: string = CONFIG_DIR): PolicyPackConfig {
  const base = readConfigFile(join(dir, "default.json"));
  if (!stack) return mergePackConfigs(base);
  if (!/^[A-Za-z0-9._-]+$/.test(stack)) throw new PolicyConfigError([`invalid stack name "${stack}"`]);
  const file = join(dir, `${stack}.json`);
  return mergePackConfigs(base, existsSync(file) ? readConfigFile(file) : undefined);
}
