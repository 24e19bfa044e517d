import type { RecordedConfigValue, UpdateRecord } from "./driver";

// Which earlier update a rollback returns to and what changes: pure functions over the stack's
// history and outputs, so every decision is unit-tested without an engine.

/** Config keys a rollback restores: the images and the per-service overrides (tags, replicas). */
export const RESTORED_KEYS = ["platform:images", "platform:services"] as const;

export interface RollbackRequest {
  /** Return to the most recent earlier successful update deployed with this image tag. */
  to?: string;
  /** Or go back this many successful updates (default 1). */
  steps?: number;
}

export interface ServiceOutput {
  image: string;
  schemaChanges?: "compatible" | "breaking";
}

export interface ImageChange {
  service: string;
  from: string;
  to: string;
  breaking: boolean;
}

export interface RollbackPlan {
  current: UpdateRecord;
  target: UpdateRecord;
  /** Config values to set, from the target update. */
  config: Record<string, unknown>;
  changes: ImageChange[];
}

export class RollbackRefused extends Error {}

function parse(value: RecordedConfigValue | undefined): unknown {
  if (value === undefined) return undefined;
  try {
    return JSON.parse(value.value);
  } catch {
    return value.value;
  }
}

interface ImagesConfig {
  registry: string;
  tag: string;
}
type ServicesConfig = Record<string, { imageTag?: string }>;

function imagesOf(update: UpdateRecord): { images: ImagesConfig | undefined; services: ServicesConfig } {
  const images = parse(update.config["platform:images"]) as ImagesConfig | undefined;
  const services = (parse(update.config["platform:services"]) ?? {}) as ServicesConfig;
  return { images, services };
}

/** The tag a service ran with in an update: its override, else the stack's tag. */
export function tagOf(update: UpdateRecord, service: string): string | undefined {
  const { images, services } = imagesOf(update);
  return services[service]?.imageTag ?? images?.tag;
}

/** `registry/repo:tag` or `registry/repo@sha256:…` → the same reference with another tag. */
export function withTag(image: string, tag: string): string {
  const at = image.indexOf("@");
  const base = at >= 0 ? image.slice(0, at) : image.replace(/:[^/:]+$/, "");
  return tag.startsWith("sha256:") ? `${base}@${tag}` : `${base}:${tag}`;
}

/**
 * Successful updates, newest first: by version, then by start time (the self-managed backend
 * reports version 0 for every update).
 */
export function successfulUpdates(history: readonly UpdateRecord[]): UpdateRecord[] {
  return [...history]
    .filter((u) => u.kind === "update" && u.result === "succeeded")
    .sort((a, b) => b.version - a.version || Date.parse(b.startTime) - Date.parse(a.startTime));
}

export function chooseTarget(
  history: readonly UpdateRecord[],
  request: RollbackRequest,
): { current: UpdateRecord; target: UpdateRecord } {
  const updates = successfulUpdates(history);
  const current = updates[0];
  if (!current)
    throw new RollbackRefused("the stack has no successful update: there is nothing to roll back");
  const earlier = updates.slice(1);
  if (request.to !== undefined) {
    const target = earlier.find((u) => imagesOf(u).images?.tag === request.to);
    if (!target) {
      const tags = [...new Set(earlier.map((u) => imagesOf(u).images?.tag).filter(Boolean))];
      throw new RollbackRefused(
        `no earlier successful update ran image tag ${request.to}; earlier tags: ${tags.length > 0 ? tags.join(", ") : "none"}`,
      );
    }
    return { current, target };
  }
  const steps = request.steps ?? 1;
  const target = earlier[steps - 1];
  if (!target) {
    throw new RollbackRefused(
      `--steps ${steps} goes back further than the history: only ${earlier.length} earlier successful update${earlier.length === 1 ? "" : "s"}`,
    );
  }
  return { current, target };
}

/**
 * The rollback: config of the target update for the restored keys, and the services whose image
 * changes. Refused across a `schemaChanges: breaking` service unless accepted: its migrations
 * already changed the schema, and the old code may not run on it.
 */
export function planRollback(
  history: readonly UpdateRecord[],
  services: Record<string, ServiceOutput>,
  request: RollbackRequest & { acceptSchema?: boolean },
): RollbackPlan {
  const { current, target } = chooseTarget(history, request);
  const changes: ImageChange[] = [];
  for (const [service, out] of Object.entries(services)) {
    const tag = tagOf(target, service);
    if (tag === undefined) continue;
    const to = withTag(out.image, tag);
    if (to !== out.image)
      changes.push({ service, from: out.image, to, breaking: out.schemaChanges === "breaking" });
  }
  const breaking = changes.filter((c) => c.breaking);
  if (breaking.length > 0 && !request.acceptSchema) {
    throw new RollbackRefused(
      `${breaking.map((c) => c.service).join(", ")} declare${breaking.length === 1 ? "s" : ""} schemaChanges: breaking: the release being rolled back migrated the database in a way the older code may not understand, and migrations are not reversed. Restore the database or write a forward fix; pass --accept-schema only if you know the older code runs on the new schema.`,
    );
  }
  const config: Record<string, unknown> = {};
  for (const key of RESTORED_KEYS) {
    const value = parse(target.config[key]);
    if (value !== undefined) config[key] = value;
    else if (key === "platform:services") config[key] = {};
  }
  return { current, target, config, changes };
}
