import type * as pulumi from "@pulumi/pulumi";
import type { ServiceSpec } from "./types";

// A backing kind (database, Redis, object store, broker...) declared once, for every profile:
// which field of a service spec asks for it, whether that request wants a server of its own, and
// the runtime contract it fulfils (the settings and credential variables the service reads). The
// profiles only say where the server comes from (see provisioner.ts); docs/backing-services.md
// says how to add a kind.

/** What a kind puts in the service's environment. */
export interface KindEnvironment<Key extends string> {
  /** Non-sensitive settings, merged into the service's ConfigMap. */
  settings: Record<string, pulumi.Input<string>>;
  /** Credentials as Pulumi secrets, delivered as secretKeyRef; a profile may deliver fewer keys. */
  credentials: Partial<Record<Key, pulumi.Output<string>>>;
}

/**
 * One backing kind.
 * @typeParam Need what the spec field holds when the service asks for the kind
 * @typeParam Connection what every profile's server hands back for one tenant
 * @typeParam Key the credential variables the kind may deliver
 */
export interface BackingKind<Need, Connection, Key extends string = string> {
  /** Names the kind in messages, summaries and resource names: "database", "redis". */
  readonly name: string;
  /** The spec field that asks for the kind, for messages: "database", "buckets". */
  readonly field: string;
  /** What the spec asks for, or undefined when the service does not need the kind. */
  need(spec: ServiceSpec): Need | undefined;
  /**
   * Whether this request gets a server of its own instead of a tenant on the shared one.
   * @default every tenant shares (the kind has no dedicated variant)
   */
  dedicated?(need: Need): boolean;
  /** Every credential variable the kind may deliver: checked (Key Vault names) before anything exists. */
  readonly credentialKeys: readonly Key[];
  /** The runtime contract: a profile's connection, as the variables the service reads. */
  environment(spec: ServiceSpec, connection: Connection): KindEnvironment<Key>;
}

/** A kind with its types erased: what the registry and the questions about a spec need. */
export interface Kind {
  readonly name: string;
  readonly field: string;
  readonly credentialKeys: readonly string[];
  need(spec: ServiceSpec): unknown;
  dedicated?(need: never): boolean;
}

/** Does the service ask for this kind? */
export function needs(kind: Kind, spec: ServiceSpec): boolean {
  return kind.need(spec) !== undefined;
}

/** Does the service ask for a server of this kind of its own? */
export function needsDedicated<Need>(kind: BackingKind<Need, unknown>, spec: ServiceSpec): boolean {
  const need = kind.need(spec);
  return need !== undefined && (kind.dedicated?.(need) ?? false);
}

/** The kinds a service asks for, in registry order. */
export function kindsNeededBy<K extends Kind>(kinds: readonly K[], spec: ServiceSpec): K[] {
  return kinds.filter((k) => needs(k, spec));
}

/** The credential variables a service will hold, for name checks before anything exists. */
export function credentialKeysOf(kinds: readonly Kind[], spec: ServiceSpec): string[] {
  return kindsNeededBy(kinds, spec).flatMap((k) => k.credentialKeys);
}
