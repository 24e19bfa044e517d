import * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";
import { type InputProblem, PlatformInputError } from "../errors";
import { fixHints, type StackConfig, stackConfigSchema } from "./schema";

// Reads every `platform:*` key of the stack, validates the whole set against the schema and
// reports every problem at once, before the program registers a single resource.

export const CONFIG_NAMESPACE = "platform";

// The SDK knows which keys the stack marked secret but does not type that function publicly.
const runtimeConfig = require("@pulumi/pulumi/runtime/config") as { isConfigSecret(key: string): boolean };

/** Keys that are plain strings in the stack file: never JSON-parsed ("123" stays a string). */
const STRING_KEYS = new Set(["profile", "environment", "namespace", "logLevel", "monitoringNamespace"]);
/** Keys read as Pulumi secrets, outside the schema. */
export const SECRET_KEYS = new Set(["kubeconfig", "alertReceiverUrl"]);

export interface LoadedConfig {
  stack: string;
  /** The file a user edits to fix a problem. */
  source: string;
  config: StackConfig;
  /** `platform:kubeconfig`, when the stack attaches to a cluster through a kubeconfig secret. */
  kubeconfig?: pulumi.Output<string>;
  /** `platform:alertReceiverUrl`: the Slack, Teams or webhook URL alerts go to. */
  alertReceiverUrl?: pulumi.Output<string>;
}

export function stackFile(stack: string): string {
  return `stacks/Pulumi.${stack}.yaml`;
}

export function loadStackConfig(): LoadedConfig {
  const stack = pulumi.getStack();
  const source = stackFile(stack);
  const raw = readRawConfig();
  const config = parseStackConfig(raw.values, source);

  const problems: InputProblem[] = [];
  if (config.cluster.source === "kubeconfig" && !raw.secretKeys.has("kubeconfig")) {
    problems.push({
      source,
      field: `${CONFIG_NAMESPACE}:kubeconfig`,
      problem: "cluster.source is kubeconfig but no secret kubeconfig is set",
      fix: "run `pulumi config set --secret platform:kubeconfig < kubeconfig.yaml`",
    });
  }
  if (config.monitoring.notifications && !raw.secretKeys.has("alertReceiverUrl")) {
    problems.push({
      source,
      field: `${CONFIG_NAMESPACE}:alertReceiverUrl`,
      problem: "monitoring.notifications is set but no secret alertReceiverUrl says where alerts go",
      fix: "run `pulumi config set --secret platform:alertReceiverUrl https://hooks.slack.com/services/...`",
    });
  }
  for (const key of raw.secretKeys) {
    if (!raw.isSecret(key)) {
      problems.push({
        source,
        field: `${CONFIG_NAMESPACE}:${key}`,
        problem: "holds a credential in plain text",
        fix: `store it encrypted: pulumi config set --secret ${CONFIG_NAMESPACE}:${key} ...`,
      });
    }
  }
  if (problems.length > 0) throw new PlatformInputError(problems);

  const pulumiConfig = new pulumi.Config(CONFIG_NAMESPACE);
  const kubeconfig = raw.secretKeys.has("kubeconfig") ? pulumiConfig.requireSecret("kubeconfig") : undefined;
  const alertReceiverUrl = raw.secretKeys.has("alertReceiverUrl")
    ? pulumiConfig.requireSecret("alertReceiverUrl")
    : undefined;
  return {
    stack,
    source,
    config,
    ...(kubeconfig ? { kubeconfig } : {}),
    ...(alertReceiverUrl ? { alertReceiverUrl } : {}),
  };
}

interface RawConfig {
  values: Record<string, unknown>;
  secretKeys: Set<string>;
  isSecret(key: string): boolean;
}

function readRawConfig(): RawConfig {
  const prefix = `${CONFIG_NAMESPACE}:`;
  const all = pulumi.runtime.allConfig();
  const values: Record<string, unknown> = {};
  const secretKeys = new Set<string>();
  for (const [fullKey, value] of Object.entries(all)) {
    if (!fullKey.startsWith(prefix)) continue;
    const key = fullKey.slice(prefix.length);
    if (SECRET_KEYS.has(key)) {
      secretKeys.add(key);
      continue;
    }
    values[key] = STRING_KEYS.has(key) ? value : parseValue(value);
  }
  return {
    values,
    secretKeys,
    isSecret: (key) => runtimeConfig.isConfigSecret(`${prefix}${key}`),
  };
}

/** Pulumi hands structured config to programs as JSON text, and scalars as strings. */
function parseValue(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

/** Validates already-parsed `platform:*` values (without the namespace prefix). */
export function parseStackConfig(values: Record<string, unknown>, source: string): StackConfig {
  const result = stackConfigSchema.safeParse(values);
  if (result.success) return result.data;
  throw new PlatformInputError(result.error.issues.map((issue) => toProblem(issue, source, values)));
}

function toProblem(issue: z.core.$ZodIssue, source: string, values: Record<string, unknown>): InputProblem {
  const path = issue.path.map(String);
  if (issue.code === "unrecognized_keys") {
    const where = path.length === 0 ? "" : `.${path.join(".")}`;
    const keys = issue.keys.map((k) => `${CONFIG_NAMESPACE}:${path.length ? `${path.join(".")}.` : ""}${k}`);
    return {
      source,
      field: keys.join(", "),
      problem: `unknown key${keys.length > 1 ? "s" : ""}${where ? ` in ${CONFIG_NAMESPACE}:${path.join(".")}` : ""}`,
      fix: "remove it or correct its spelling (the README lists every key)",
    };
  }
  const field = `${CONFIG_NAMESPACE}:${path.join(".")}`;
  const actual = valueAt(values, path);
  const shown = actual === undefined ? "" : ` (got ${JSON.stringify(actual)})`;
  return {
    source,
    field,
    problem: issueText(issue, actual) + shown,
    fix: fixFor(path.join("."), issue, actual),
  };
}

function issueText(issue: z.core.$ZodIssue, actual: unknown): string {
  if (actual === undefined && (issue.code === "invalid_type" || issue.code === "invalid_value"))
    return "is required";
  switch (issue.code) {
    case "invalid_type":
      return `must be ${article(issue.expected)}`;
    case "invalid_value":
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
    case "invalid_union":
      return "does not match any accepted form";
    case "too_small":
    case "too_big": {
      // Zod's own wording is generic; a message written in the schema is not.
      if (!/^Too (small|big)/.test(issue.message)) return issue.message;
      const unit = issue.origin === "string" ? " characters" : issue.origin === "array" ? " entries" : "";
      return issue.code === "too_small"
        ? `must be at least ${issue.minimum}${unit}`
        : `must be at most ${issue.maximum}${unit}`;
    }
    default:
      return issue.message;
  }
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function fixFor(path: string, issue: z.core.$ZodIssue, actual: unknown): string {
  if (issue.code === "invalid_type" && issue.expected === "string" && actual !== undefined) {
    return "quote the value in the stack file so YAML keeps it a string";
  }
  for (const [prefix, fix] of fixHints) {
    if (path === prefix || path.startsWith(`${prefix}.`)) return fix;
  }
  return "see the configuration reference in the README";
}

function valueAt(values: Record<string, unknown>, path: readonly string[]): unknown {
  let current: unknown = values;
  for (const key of path) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}
