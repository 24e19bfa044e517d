// Stack tags of an ephemeral stack: what `list` shows and what `reap` decides on. They are set
// before the first `up`, so a stack whose update fails half-way is still found and reaped.
// `platform:ephemeral` and `platform:environment` are the tags the policy pack reads.

export const TAG = {
  ephemeral: "platform:ephemeral",
  environment: "platform:environment",
  pipeline: "platform:pipeline",
  owner: "platform:owner",
  ref: "platform:ref",
  commit: "platform:commit",
  expiresAt: "platform:expires-at",
  services: "platform:services",
} as const;

/** Pulumi Cloud's limit on tag values; the DIY backends store any length. */
export const MAX_TAG_VALUE = 256;

/** Namespace labels written by the program (components/namespace/platform-namespace.ts). */
export const LABEL = {
  ephemeral: "platform.internal/ephemeral",
  environment: "platform.internal/environment",
  pipeline: "platform.internal/pipeline",
  owner: "platform.internal/owner",
  ref: "platform.internal/ref",
  commit: "platform.internal/commit",
  expiresAt: "platform.internal/expires-at",
} as const;

export interface EphemeralMetadata {
  /** The raw pipeline id (`--id`). */
  pipeline: string;
  owner: string;
  ref?: string;
  commit?: string;
  /** ISO 8601 instant. */
  expiresAt: string;
  /** `--services` as given; absent for the whole platform. */
  services?: readonly string[];
}

function clip(value: string): string {
  return value.length > MAX_TAG_VALUE ? value.slice(0, MAX_TAG_VALUE) : value;
}

export function tagsFor(meta: EphemeralMetadata): Record<string, string> {
  const tags: Record<string, string> = {
    [TAG.ephemeral]: "true",
    [TAG.environment]: "ci",
    [TAG.pipeline]: clip(meta.pipeline),
    [TAG.owner]: clip(meta.owner),
    [TAG.expiresAt]: meta.expiresAt,
  };
  if (meta.ref) tags[TAG.ref] = clip(meta.ref);
  if (meta.commit) tags[TAG.commit] = clip(meta.commit);
  if (meta.services && meta.services.length > 0) tags[TAG.services] = clip(meta.services.join(","));
  return tags;
}
