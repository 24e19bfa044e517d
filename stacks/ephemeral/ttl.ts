import { ENVIRONMENTS } from "../../infra/config/environments";
import { UsageError } from "./errors";

// How long an ephemeral stack may live, and when it expires. The expiry is written twice: as an
// ISO 8601 instant (stack tag, config, namespace annotation) and in the label-safe form
// `20261129T180000Z` (namespace label), because a label value cannot hold ':'.

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Shorter than this and the reaper could take the stack while the pipeline still runs. */
export const MIN_TTL_MS = 10 * MINUTE;
/** The ci environment's (infra/config/environments.ts), as the pack's ephemeral-stack-hygiene default. */
export const MAX_TTL_MS = ENVIRONMENTS.ci.ephemeral.maxTtlHours * HOUR;
export const DEFAULT_TTL: string = ENVIRONMENTS.ci.ephemeral.defaultTtl;

/** `6h`, `90m`, `2d`, `1h30m` -> milliseconds, within [MIN_TTL_MS, maxMs]. */
export function parseTtl(text: string, maxMs = MAX_TTL_MS): number {
  const value = text.trim();
  const m = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?$/.exec(value);
  if (!value || !m || (m[1] === undefined && m[2] === undefined && m[3] === undefined)) {
    throw new UsageError(
      `--ttl ${JSON.stringify(text)} is not a duration: use days, hours and minutes such as 90m, 6h, 1h30m or 2d`,
    );
  }
  const ms = Number(m[1] ?? 0) * DAY + Number(m[2] ?? 0) * HOUR + Number(m[3] ?? 0) * MINUTE;
  if (ms < MIN_TTL_MS) {
    throw new UsageError(
      `--ttl ${value} is shorter than ${formatDuration(MIN_TTL_MS)}: the reaper could destroy the stack while the pipeline still uses it`,
    );
  }
  if (ms > maxMs) {
    throw new UsageError(
      `--ttl ${value} is longer than the maximum of ${formatDuration(maxMs)}: ephemeral stacks must not outlive their pipeline (run up again to extend one)`,
    );
  }
  return ms;
}

/** `now + ttl` as `2026-11-29T18:00:00Z` (whole seconds, UTC). */
export function expiryFor(now: Date, ttlMs: number): string {
  return isoSeconds(new Date(now.getTime() + ttlMs));
}

export function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** `2026-11-29T18:00:00Z` -> `20261129T180000Z` (the namespace label form). */
export function expiryLabel(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) throw new Error(`internal: ${JSON.stringify(iso)} is not a date`);
  return isoSeconds(date).replaceAll("-", "").replaceAll(":", "");
}

/** Reads either form (ISO 8601 with an offset, or the label form); undefined when neither. */
export function parseExpiry(value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const label = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (label) {
    const [, y, mo, d, h, mi, s] = label.map(Number) as number[];
    const date = new Date(Date.UTC(y ?? 0, (mo ?? 1) - 1, d ?? 1, h ?? 0, mi ?? 0, s ?? 0));
    // Date.UTC rolls 2026-13-40 over into a valid date: refuse anything that does not round-trip.
    return expiryLabel(date.toISOString()) === value ? date : undefined;
  }
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value)) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** `--now` for reap/list (rehearsals and tests): an ISO 8601 instant with an offset. */
export function parseNow(value: string | undefined, clock: () => Date): Date {
  if (value === undefined) return clock();
  const date = parseExpiry(value);
  if (!date || !value.includes("-")) {
    throw new UsageError(
      `--now ${JSON.stringify(value)} is not an ISO 8601 instant such as 2026-11-29T18:00:00Z`,
    );
  }
  return date;
}

/** 90 minutes -> `1h 30m`; 2 days -> `2d`. */
export function formatDuration(ms: number): string {
  const total = Math.round(Math.abs(ms) / MINUTE);
  const d = Math.floor(total / (24 * 60));
  const h = Math.floor((total % (24 * 60)) / 60);
  const m = total % 60;
  const parts = [d ? `${d}d` : "", h ? `${h}h` : "", m ? `${m}m` : ""].filter(Boolean);
  return parts.length > 0 ? parts.join(" ") : "0m";
}

/** `expires in 5h 59m` / `expired 2h ago`. */
export function describeExpiry(expiresAt: Date, now: Date): string {
  const left = expiresAt.getTime() - now.getTime();
  return left > 0 ? `expires in ${formatDuration(left)}` : `expired ${formatDuration(left)} ago`;
}
