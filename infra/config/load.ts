import * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";
import { displayValue } from "../../components/errors/display";
import { type InputProblem, PlatformInputError } from "../../components/errors/input-error";
// Which keys the stack marked secret is a Pulumi internal (the SDK does not type it publicly).
import { isConfigSecret } from "../../tools/pulumi-internals/config-secrets";
import { closestName } from "../catalog/suggest";
import { forbiddenKeyPaths } from "../input/forbidden-keys";
import { typedScalarFix } from "../input/typed-scalar";
import { fixHints, type StackConfig, stackConfigSchema } from "./schema";

// Reads every `platform:*` key of the stack, validates the whole set against the schema and
// reports every problem at once, before the program registers a single resource.

export const CONFIG_NAMESPACE = "platform";

/** Keys that are plain strings in the stack file: never JSON-parsed ("123" stays a string). */
const STRING_KEYS = new Set(["profile", "environment", "namespace", "logLevel", "monitoringNamespace"]);
/** Keys read as Pulumi secrets, outside the schema. */
export const SECRET_KEYS = new Set(["kubeconfig", "secrets", "mailerDsn", "alertReceiverUrl"]);

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
  const raw = readRawConfig(source);
  const checked = validateStackConfig(raw.values, source, raw.misplaced);
  const problems: InputProblem[] = [...raw.problems, ...checked.problems];
  if (checked.config?.cluster.source === "kubeconfig" && !raw.secretKeys.has("kubeconfig")) {
    problems.push({
      source,
      field: `${CONFIG_NAMESPACE}:kubeconfig`,
      problem: "cluster.source is kubeconfig but no secret kubeconfig is set",
      fix: "run `pulumi config set --secret platform:kubeconfig < kubeconfig.yaml`",
    });
  }
  if (checked.config?.monitoring.notifications && !raw.secretKeys.has("alertReceiverUrl")) {
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
  if (problems.length > 0 || !checked.config) throw new PlatformInputError(problems);

  const pulumiConfig = new pulumi.Config(CONFIG_NAMESPACE);
  const kubeconfig = raw.secretKeys.has("kubeconfig") ? pulumiConfig.requireSecret("kubeconfig") : undefined;
  const alertReceiverUrl = raw.secretKeys.has("alertReceiverUrl")
    ? pulumiConfig.requireSecret("alertReceiverUrl")
    : undefined;
  return {
    stack,
    source,
    config: checked.config,
    ...(kubeconfig ? { kubeconfig } : {}),
    ...(alertReceiverUrl ? { alertReceiverUrl } : {}),
  };
}

interface RawConfig {
  values: Record<string, unknown>;
  secretKeys: Set<string>;
  isSecret(key: string): boolean;
  /** Keys outside this program's namespace that are not a provider's either. */
  problems: InputProblem[];
  /** `platform:*` keys the user evidently meant (written without or with a misspelt namespace). */
  misplaced: Set<string>;
}

function readRawConfig(source: string): RawConfig {
  const prefix = `${CONFIG_NAMESPACE}:`;
  const all = pulumi.runtime.allConfig();
  const entries: Array<[string, unknown]> = [];
  const secretKeys = new Set<string>();
  const problems: InputProblem[] = [];
  const misplaced = new Set<string>();
  for (const [fullKey, value] of Object.entries(all)) {
    if (!fullKey.startsWith(prefix)) {
      const problem = foreignKeyProblem(fullKey, source);
      if (problem) {
        problems.push(problem.problem);
        if (problem.meant) misplaced.add(problem.meant);
      }
      continue;
    }
    const key = fullKey.slice(prefix.length);
    if (SECRET_KEYS.has(key)) {
      secretKeys.add(key);
      continue;
    }
    entries.push([key, STRING_KEYS.has(key) ? value : parseValue(value)]);
  }
  return {
    // Own properties only: a key named __proto__ never becomes the object's prototype.
    values: Object.fromEntries(entries),
    secretKeys,
    isSecret: (key) => isConfigSecret(`${prefix}${key}`),
    problems,
    misplaced,
  };
}

/**
 * Namespaces a stack may set besides `platform:`: Pulumi's own and those of the providers this
 * program uses (their provider settings, e.g. `kubernetes:kubeconfig`, `azure-native:location`).
 */
export const OTHER_NAMESPACES: readonly string[] = ["pulumi", "kubernetes", "azure-native", "random"];

const topLevelKeys = (): string[] => Object.keys(stackConfigSchema.shape);

/**
 * A key outside `platform:` is a mistake unless it belongs to Pulumi or a provider: written
 * without a namespace, or with a misspelt one, it would otherwise be silently ignored.
 */
function foreignKeyProblem(
  fullKey: string,
  source: string,
): { problem: InputProblem; meant?: string } | undefined {
  const colon = fullKey.indexOf(":");
  const namespace = colon < 0 ? undefined : fullKey.slice(0, colon);
  if (namespace !== undefined && OTHER_NAMESPACES.includes(namespace)) return undefined;
  const name = colon < 0 ? fullKey : fullKey.slice(colon + 1);
  const topLevel = name.split(".")[0] ?? name;
  const known = topLevelKeys().includes(topLevel) || SECRET_KEYS.has(topLevel);
  const allowed = [CONFIG_NAMESPACE, ...OTHER_NAMESPACES].map((n) => `${n}:`).join(", ");
  if (namespace === undefined) {
    return {
      problem: {
        source,
        field: fullKey,
        problem: "has no namespace, so the program never reads it",
        fix: known
          ? `write it as ${CONFIG_NAMESPACE}:${name}`
          : `write this program's keys as ${CONFIG_NAMESPACE}:<key> (the README lists them); allowed namespaces: ${allowed}`,
      },
      ...(known ? { meant: topLevel } : {}),
    };
  }
  const hint = closestName(namespace, [CONFIG_NAMESPACE, ...OTHER_NAMESPACES]);
  return {
    problem: {
      source,
      field: fullKey,
      problem: `"${namespace}:" is not a namespace this program or its providers read`,
      fix: hint
        ? `did you mean "${hint}:${name}"?`
        : `use ${CONFIG_NAMESPACE}:<key> for this program's keys; allowed namespaces: ${allowed}`,
    },
    ...(hint === CONFIG_NAMESPACE && known ? { meant: topLevel } : {}),
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
  const result = validateStackConfig(values, source);
  if (!result.config) throw new PlatformInputError(result.problems);
  return result.config;
}

/**
 * Every problem of the values, or the parsed config. `misplaced` names top-level keys the user
 * wrote under the wrong namespace: that key is reported there, not again as "is required".
 */
export function validateStackConfig(
  values: Record<string, unknown>,
  source: string,
  misplaced: ReadonlySet<string> = new Set(),
): { config?: StackConfig; problems: InputProblem[] } {
  if (Object.keys(values).length === 0 && misplaced.size === 0) {
    return {
      problems: [
        {
          source,
          field: "config",
          problem: `no ${CONFIG_NAMESPACE}:* key is set`,
          fix: `the stack file needs a top-level config: map with ${CONFIG_NAMESPACE}:profile, ${CONFIG_NAMESPACE}:environment, ${CONFIG_NAMESPACE}:namespace and ${CONFIG_NAMESPACE}:images (stacks/Pulumi.local.yaml is an example)`,
        },
      ],
    };
  }
  // A key that names JavaScript object internals never reaches the schema or an object literal.
  const forbidden = forbiddenKeyPaths(values).map(
    (path): InputProblem => ({
      source,
      field: `${CONFIG_NAMESPACE}:${formatPath(path)}`,
      problem: `"${path[path.length - 1]}" is not allowed as a key name`,
      fix: "remove it: no setting of this program has that name",
    }),
  );
  if (forbidden.length > 0) return { problems: forbidden };
  const result = stackConfigSchema.safeParse(values);
  if (result.success) return { config: result.data, problems: [] };
  const problems = result.error.issues
    .filter((issue) => {
      const top = issue.path[0];
      return !(
        issue.path.length === 1 &&
        typeof top === "string" &&
        misplaced.has(top) &&
        values[top] === undefined
      );
    })
    .flatMap((issue) => toProblems(issue, source, values));
  return { problems };
}

function formatPath(path: readonly string[]): string {
  return path.map((p, i) => (/^\d+$/.test(p) ? `[${p}]` : i === 0 ? p : `.${p}`)).join("");
}

function toProblems(
  issue: z.core.$ZodIssue,
  source: string,
  values: Record<string, unknown>,
): InputProblem[] {
  const path = issue.path.map(String);
  if (issue.code === "unrecognized_keys") {
    // One problem per key, each with its own suggestion; the error caps how many are shown.
    const known = path.length === 0 ? topLevelKeys() : [];
    return issue.keys.map((k) => {
      const hint = known.length ? closestName(k, known) : undefined;
      return {
        source,
        field: `${CONFIG_NAMESPACE}:${path.length ? `${path.join(".")}.` : ""}${k}`,
        problem: `unknown key${path.length ? ` in ${CONFIG_NAMESPACE}:${path.join(".")}` : ""}`,
        fix: hint
          ? `did you mean ${CONFIG_NAMESPACE}:${hint}? Otherwise remove it`
          : "remove it or correct its spelling (the README lists every key)",
      };
    });
  }
  return [toProblem(issue, source, values)];
}

function toProblem(issue: z.core.$ZodIssue, source: string, values: Record<string, unknown>): InputProblem {
  const path = issue.path.map(String);
  const field = `${CONFIG_NAMESPACE}:${formatPath(path)}`;
  const actual = valueAt(values, path);
  const shown = actual === undefined ? "" : ` (got ${displayValue(actual)})`;
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
  const typed = typedScalarFix(issue, actual);
  if (typed) return typed;
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
