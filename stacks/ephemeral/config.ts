import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import type { EphemeralConfig } from "../../components/namespace/ephemeral";
import type { ServiceSpec } from "../../components/service/spec";
import { ServiceGraph } from "../../infra/catalog/graph";
import { fixHints, imageTag, stackConfigSchema } from "../../infra/config/schema";
import { UsageError } from "./errors";
import { commitId, type EphemeralName, labelValue, MAX_LABEL_LENGTH } from "./naming";
import type { ServiceSelection } from "./services";

// The config of one ephemeral stack: the `ci` template (stacks/Pulumi.ci.yaml) with the parts
// that make it this pipeline's own (namespace, image tag, ephemeral metadata, subgraph), checked
// against the program's own schema before any stack is created or touched.

/** The stack the ephemeral stacks are copies of (its pack config gates their updates too). */
export const TEMPLATE_STACK = "ci";
export const TEMPLATE_FILE = `stacks/Pulumi.${TEMPLATE_STACK}.yaml`;
const PREFIX = "platform:";

export interface Template {
  /** Relative path, for messages. */
  path: string;
  /** `config:` of the template, keys as written (`platform:images`), values as parsed YAML. */
  config: Record<string, unknown>;
}

export function readTemplate(root: string, file = TEMPLATE_FILE): Template {
  const path = join(root, file);
  if (!existsSync(path)) {
    throw new UsageError(`${file} does not exist: the ephemeral stacks are built from this template`);
  }
  return parseTemplate(readFileSync(path, "utf8"), file);
}

export function parseTemplate(text: string, file = TEMPLATE_FILE): Template {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (error) {
    throw new UsageError(`${file} is not valid YAML: ${(error as Error).message}`);
  }
  const config = (doc as { config?: unknown } | null)?.config;
  if (config === undefined || config === null || typeof config !== "object" || Array.isArray(config)) {
    throw new UsageError(`${file}: "config" must be a map of platform:* keys`);
  }
  const encrypted = Object.entries(config)
    .filter(([, v]) => containsSecure(v))
    .map(([k]) => k);
  if (encrypted.length > 0) {
    throw new UsageError(
      `${file}: ${encrypted.join(", ")} ${encrypted.length > 1 ? "are" : "is"} encrypted (secure:), and a value encrypted for the template cannot be decrypted by another stack. Keep the template free of secrets: ephemeral stacks reach the cluster through platform:cluster (a stack reference or the runner's kube context)`,
    );
  }
  const env = (config as Record<string, unknown>)[`${PREFIX}environment`];
  if (env !== "ci") {
    throw new UsageError(
      `${file}: platform:environment is ${JSON.stringify(env)}: the template of ephemeral stacks must be a ci environment`,
    );
  }
  return { path: file, config: { ...(config as Record<string, unknown>) } };
}

function containsSecure(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(containsSecure);
  if (value && typeof value === "object") {
    const entries = Object.entries(value);
    if (entries.length === 1 && entries[0]?.[0] === "secure") return true;
    return entries.some(([, v]) => containsSecure(v));
  }
  return false;
}

export interface EphemeralRequest {
  name: EphemeralName;
  owner: string;
  ref?: string;
  commit?: string;
  /** `images.tag` for every service: the tag CI pushed for the commit under test. */
  imageTag: string;
  /** Per-service tags (`--service-tag media=abc123`): a service repository testing its own build. */
  serviceTags?: Record<string, string>;
  /** ISO 8601 instant. */
  expiresAt: string;
  services?: ServiceSelection;
}

/** `platform:ephemeral`: label-safe values, as the schema and the namespace labels need them. */
export function ephemeralLabels(request: EphemeralRequest): EphemeralConfig {
  const owner = labelValue(request.owner) ?? "unknown";
  const ref = request.ref === undefined ? undefined : labelValue(request.ref);
  const commit =
    request.commit === undefined ? undefined : commitId(request.commit).slice(0, MAX_LABEL_LENGTH);
  return {
    pipeline: request.name.slug,
    owner,
    ...(ref ? { ref } : {}),
    ...(commit ? { commit } : {}),
    expiresAt: request.expiresAt,
  };
}

export function checkImageTag(flag: string, tag: string): string {
  const result = imageTag.safeParse(tag);
  if (!result.success) {
    throw new UsageError(
      `${flag} ${JSON.stringify(tag)} ${result.error.issues[0]?.message ?? "is not an image tag"}`,
    );
  }
  return tag;
}

/** `--service-tag media=abc123` (repeatable) -> {media: "abc123"}, names checked against the catalog. */
export function parseServiceTags(
  values: readonly string[],
  catalog: readonly ServiceSpec[],
): Record<string, string> {
  const graph = new ServiceGraph(catalog);
  const tags: Record<string, string> = {};
  for (const value of values) {
    const eq = value.indexOf("=");
    if (eq <= 0 || eq === value.length - 1) {
      throw new UsageError(
        `--service-tag ${JSON.stringify(value)} must be <service>=<image tag>, e.g. media=3f2a1b9`,
      );
    }
    const service = value.slice(0, eq);
    if (!graph.has(service)) {
      throw new UsageError(
        `--service-tag names "${service}", which is not a service of the catalog (services: ${graph.names().join(", ")})`,
      );
    }
    tags[service] = checkImageTag(`--service-tag ${service}=`, value.slice(eq + 1));
  }
  return tags;
}

/**
 * The full stack config (`platform:*` keys, structured values as a stack file holds them). Keys
 * of the template are kept; namespace, images.tag, ephemeral, only and per-service image tags
 * come from the request. Throws a UsageError listing every problem if the program would refuse it.
 */
export function buildStackConfig(template: Template, request: EphemeralRequest): Record<string, unknown> {
  const values: Record<string, unknown> = structuredClone(template.config);
  values[`${PREFIX}namespace`] = request.name.namespace;

  const images = values[`${PREFIX}images`];
  values[`${PREFIX}images`] = {
    ...(images && typeof images === "object" && !Array.isArray(images) ? images : {}),
    tag: request.imageTag,
  };
  values[`${PREFIX}ephemeral`] = ephemeralLabels(request);

  if (request.services) values[`${PREFIX}only`] = [...request.services.requested];
  else delete values[`${PREFIX}only`];

  if (request.serviceTags && Object.keys(request.serviceTags).length > 0) {
    const current = values[`${PREFIX}services`];
    const services: Record<string, Record<string, unknown>> = current &&
    typeof current === "object" &&
    !Array.isArray(current)
      ? (structuredClone(current) as Record<string, Record<string, unknown>>)
      : {};
    for (const [service, tag] of Object.entries(request.serviceTags)) {
      services[service] = { ...(services[service] ?? {}), imageTag: tag };
    }
    values[`${PREFIX}services`] = services;
  }

  validateConfig(values, template.path);
  return values;
}

/** Runs the program's schema over the `platform:*` keys. */
export function validateConfig(values: Record<string, unknown>, templatePath: string): void {
  const platform = Object.fromEntries(
    Object.entries(values)
      .filter(([k]) => k.startsWith(PREFIX))
      .map(([k, v]) => [k.slice(PREFIX.length), v]),
  );
  const result = stackConfigSchema.safeParse(platform);
  if (result.success) return;
  const lines = result.error.issues.map((issue) => {
    const path = issue.path.map(String).join(".");
    if (issue.code === "unrecognized_keys") {
      const keys = issue.keys.map((k) => `${PREFIX}${path ? `${path}.` : ""}${k}`);
      return `  ${keys.join(", ")}: unknown key${keys.length > 1 ? "s" : ""}\n    fix: remove it or correct its spelling in ${templatePath}`;
    }
    const missing = issue.code === "invalid_type" && /received undefined/.test(issue.message);
    const hint = fixHints.find(([prefix]) => path === prefix || path.startsWith(`${prefix}.`))?.[1];
    return `  ${PREFIX}${path}: ${missing ? "is required" : issue.message}${hint ? `\n    fix: ${hint}` : ""}`;
  });
  throw new UsageError(
    `the config built from ${templatePath} and the arguments is not accepted by the program:\n${lines.join("\n")}`,
  );
}

/** As the Pulumi CLI hands config to a program (and `runProgram` takes it): JSON text per key. */
export function toProgramConfig(values: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(values).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]),
  );
}

/**
 * The `pulumi config set-all --json` payload (the format `pulumi config --json` prints):
 * structured values go in `objectValue`, so the stack file keeps them as YAML maps and lists.
 */
export function toConfigJson(values: Record<string, unknown>): string {
  const entries = Object.entries(values).map(([key, value]) => {
    if (typeof value === "string") return [key, { value, secret: false }];
    if (value !== null && typeof value === "object") {
      return [key, { value: JSON.stringify(value), objectValue: value, secret: false }];
    }
    return [key, { value: String(value), secret: false }];
  });
  return JSON.stringify(Object.fromEntries(entries));
}
