import { createHash } from "node:crypto";
import { UsageError } from "./errors";

// Names of ephemeral stacks and of what they label. One pipeline id gives one stack `ci-<slug>`
// and one namespace of the same name (plus `<namespace>-logs`), so two pipelines never share
// either:
// - an id that already is a short DNS-1123 label ("4242", "pr-17") is its own slug;
// - any other id ("Feature_A", "refs/pull/17") becomes a readable part plus 8 hex digits of the
//   SHA-256 of the id itself, so ids that differ only in case or punctuation stay apart;
// - the stack also records the raw id as a tag, and `up`/`down` refuse a stack whose tag names
//   another id: even a crafted id equal to another id's hashed slug cannot take over its stack.

export const STACK_PREFIX = "ci-";
/** The namespace schema's limit: `<namespace>-logs` must still be a 63-character label. */
export const MAX_NAMESPACE_LENGTH = 57;
/** Kubernetes label values: at most 63 characters of [A-Za-z0-9_.-], alphanumeric at both ends. */
export const MAX_LABEL_LENGTH = 63;
/** Pulumi Cloud caps stack tag values at 256 characters; ids are kept well below. */
export const MAX_ID_LENGTH = 128;
const HASH_LENGTH = 8;

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;

export interface EphemeralName {
  /** The id as given (`--id`, CI_PIPELINE_ID, GITHUB_RUN_ID): recorded as the pipeline tag. */
  id: string;
  /** DNS-1123 label derived from the id: the namespace suffix and the pipeline label. */
  slug: string;
  /** `ci-<slug>`: the Pulumi stack. */
  stack: string;
  /** Same as the stack name; `<namespace>-logs` holds the log store. */
  namespace: string;
}

function shortHash(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, HASH_LENGTH);
}

/** Validates a pipeline id and derives the stack and namespace names from it. */
export function ephemeralName(rawId: string): EphemeralName {
  const id = rawId.trim();
  if (id.length === 0) {
    throw new UsageError(
      "--id is empty: pass the pipeline id (CI_PIPELINE_ID, GITHUB_RUN_ID) or pr-<number>",
    );
  }
  if (id.length > MAX_ID_LENGTH) {
    throw new UsageError(`--id is ${id.length} characters long: use at most ${MAX_ID_LENGTH}`);
  }
  if (!/^[\x21-\x7e]+$/.test(id)) {
    throw new UsageError(
      `--id ${JSON.stringify(id)} contains spaces or non-ASCII characters: use letters, digits and punctuation only`,
    );
  }
  const budget = MAX_NAMESPACE_LENGTH - STACK_PREFIX.length;
  let slug: string;
  if (DNS_LABEL.test(id) && id.length <= budget) {
    slug = id;
  } else {
    const readable = id
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .slice(0, budget - HASH_LENGTH - 1)
      .replace(/^-+|-+$/g, "");
    slug = readable ? `${readable}-${shortHash(id)}` : shortHash(id);
  }
  const stack = `${STACK_PREFIX}${slug}`;
  return { id, slug, stack, namespace: stack };
}

/** True for names `up` can produce (`ci-<slug>`), never for the template stack `ci` itself. */
export function looksEphemeral(stackName: string): boolean {
  const short = shortStackName(stackName);
  return (
    short.startsWith(STACK_PREFIX) &&
    short.length <= MAX_NAMESPACE_LENGTH &&
    DNS_LABEL.test(short.slice(STACK_PREFIX.length))
  );
}

/** `org/project/ci-42` -> `ci-42`: backends list stacks with or without their qualifiers. */
export function shortStackName(stackName: string): string {
  const parts = stackName.split("/");
  return parts[parts.length - 1] ?? stackName;
}

/**
 * A Kubernetes label value carrying as much of `value` as fits: characters outside
 * [A-Za-z0-9_.-] become '-', runs collapse, the ends are trimmed to alphanumerics and the result
 * is cut at 63. Undefined when nothing usable remains.
 */
export function labelValue(value: string, max = MAX_LABEL_LENGTH): string | undefined {
  const trim = (s: string) => s.replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, "");
  const cleaned = trim(value.replace(/[^A-Za-z0-9_.-]+/g, "-").replace(/-{2,}/g, "-"));
  const cut = trim(cleaned.slice(0, max));
  return cut.length > 0 ? cut : undefined;
}

export function isLabelValue(value: string): boolean {
  return value.length <= MAX_LABEL_LENGTH && LABEL_VALUE.test(value);
}

/** A git commit id: 7 to 64 hex digits (abbreviated, SHA-1 or SHA-256). */
export function commitId(value: string): string {
  const commit = value.trim().toLowerCase();
  if (!/^[0-9a-f]{7,64}$/.test(commit)) {
    throw new UsageError(
      `--commit ${JSON.stringify(value)} is not a commit id: pass 7 to 64 hexadecimal digits (CI_COMMIT_SHA, GITHUB_SHA)`,
    );
  }
  return commit;
}
