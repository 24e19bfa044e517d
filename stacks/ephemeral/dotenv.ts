import type { StackOutputs } from "./driver";
import { UsageError } from "./errors";

// Endpoints of an ephemeral stack as a dotenv file for the next CI job: gateway URL, one URL per
// deployed service, the backing services' endpoints. Credentials (the stack's secret
// `credentials` output) are written only when asked for, and never printed.
//
// Two formats, because consumers disagree on quotes:
// - shell: KEY='value' with a comment header; `set -a; . file`, Symfony Dotenv and the usual
//   dotenv libraries strip the quotes;
// - plain: KEY=value, no comments, no blank lines, one line per value. GitLab's
//   artifacts:reports:dotenv and GitHub's $GITHUB_ENV keep quotes as part of the value and
//   reject comments and blank lines (GitLab), so they need this one.

export type DotenvFormat = "shell" | "plain";
export const DOTENV_FORMATS: readonly DotenvFormat[] = ["shell", "plain"];

export const PREFIX = "PLATFORM_";
/** GitLab rejects dotenv reports of 5 KB or more, whatever the plan. */
export const GITLAB_DOTENV_MAX_BYTES = 5 * 1024;

export interface DotenvOptions {
  format: DotenvFormat;
  /** Include the secret `credentials` output (DATABASE_URL... per service). */
  credentials: boolean;
  stack: string;
  expiresAt?: string;
}

export interface RenderedDotenv {
  text: string;
  /** Variable names, in order. */
  names: string[];
  /** How many of them hold secrets. */
  secrets: number;
  warnings: string[];
}

/** `objectStore` -> `OBJECT_STORE`, `media-thumbnails` -> `MEDIA_THUMBNAILS`. */
export function envName(...parts: string[]): string {
  return parts
    .map((p) =>
      p
        .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
        .replace(/[^A-Za-z0-9]+/g, "_")
        .replace(/^_+|_+$/g, "")
        .toUpperCase(),
    )
    .filter(Boolean)
    .join("_");
}

function text(value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(value);
}

function record(value: unknown): Record<string, unknown> {
  return value && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

export function renderDotenv(outputs: StackOutputs, options: DotenvOptions): RenderedDotenv {
  const vars: Array<[name: string, value: string, secret: boolean]> = [];
  const add = (name: string, value: unknown, secret = false) => {
    if (value === undefined || value === null) return;
    vars.push([name, text(value), secret]);
  };

  add(`${PREFIX}STACK`, options.stack);
  add(`${PREFIX}NAMESPACE`, outputs.namespace?.value);
  if (options.expiresAt) add(`${PREFIX}EXPIRES_AT`, options.expiresAt);
  add(`${PREFIX}GATEWAY_URL`, outputs.gatewayUrl?.value, outputs.gatewayUrl?.secret ?? false);
  for (const [service, info] of Object.entries(record(outputs.services?.value))) {
    add(envName(PREFIX, service, "URL"), record(info).url, outputs.services?.secret ?? false);
  }
  for (const [name, endpoint] of Object.entries(record(outputs.endpoints?.value))) {
    add(envName(PREFIX, name, "ENDPOINT"), endpoint, outputs.endpoints?.secret ?? false);
  }

  const warnings: string[] = [];
  if (options.credentials) {
    const credentials = outputs.credentials;
    if (!credentials) {
      warnings.push("the stack exports no credentials (only local and ci environments do): none written");
    } else {
      for (const [service, values] of Object.entries(record(credentials.value))) {
        for (const [variable, value] of Object.entries(record(values))) {
          add(envName(PREFIX, service, variable), value, true);
        }
      }
    }
  }

  const seen = new Set<string>();
  for (const [name] of vars) {
    if (seen.has(name)) throw new UsageError(`internal: two outputs map to the variable ${name}`);
    seen.add(name);
  }

  const lines: string[] = [];
  if (options.format === "shell") {
    lines.push(`# Endpoints of the ephemeral stack ${options.stack} (npm run ephemeral).`);
    if (options.credentials) lines.push("# Contains credentials: do not print, commit or upload this file.");
  }
  for (const [name, value] of vars) {
    if (options.format === "plain" && /[\r\n]/.test(value)) {
      // Never echo the value itself: it may be a secret.
      throw new UsageError(
        `${name} spans several lines, which the plain dotenv format cannot hold: use --dotenv-format shell`,
      );
    }
    lines.push(`${name}=${options.format === "shell" ? shellQuote(value) : value}`);
  }
  const rendered = `${lines.join("\n")}\n`;
  if (options.format === "plain" && Buffer.byteLength(rendered) >= GITLAB_DOTENV_MAX_BYTES) {
    warnings.push(
      `the file is ${Buffer.byteLength(rendered)} bytes: GitLab refuses dotenv reports of 5 KB or more (drop --credentials, or deploy a subgraph with --services)`,
    );
  }
  return {
    text: rendered,
    names: vars.map(([n]) => n),
    secrets: vars.filter(([, , s]) => s).length,
    warnings,
  };
}

/** Single quotes: nothing inside is expanded; a quote becomes '\'' as in POSIX shells. */
export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", "'\\''")}'`;
}
