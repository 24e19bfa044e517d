import { z } from "zod";

// How the platform's HTTP cache tier (Varnish, docs/http-cache.md) keeps the responses of one
// public route. Defaults are stated here once: `resolveRouteCache` applies them.

/** HTTP header field name (RFC 9110 token). */
const headerName = z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, "must be an HTTP header name");

/** Default grace: how long a stale copy is served while one request refreshes it. */
export const DEFAULT_GRACE_SECONDS = 300;
/** Default keep: how long an expired copy is kept for conditional revalidation (If-None-Match). */
export const DEFAULT_KEEP_SECONDS = 0;

/** A duration in whole seconds, at most a year (what Varnish's ttl, grace and keep take). */
const seconds = (min: number) => z.number().int().min(min).max(31_536_000);

export const routeCacheSchema = z
  .strictObject({
    ttl: seconds(1).meta({
      description:
        "Seconds a response stays fresh when the app sends no Cache-Control/Surrogate-Control max-age of its own.",
      examples: [60],
    }),
    grace: seconds(0)
      .optional()
      .meta({
        description:
          "Seconds an expired copy is still served while one background fetch refreshes it (stale-while-revalidate; also covers a sick backend).",
        examples: [600],
        default: DEFAULT_GRACE_SECONDS,
      }),
    keep: seconds(0)
      .optional()
      .meta({
        description:
          "Seconds an expired copy is kept after grace so the backend can answer 304 Not Modified to a conditional fetch.",
        examples: [3600],
        default: DEFAULT_KEEP_SECONDS,
      }),
    vary: z
      .array(headerName)
      .optional()
      .meta({
        description:
          "Request headers that split the cache (added to the key on top of the app's own Vary), e.g. Accept-Language.",
        examples: [["Accept-Language"]],
        default: [],
      }),
    esi: z
      .boolean()
      .optional()
      .meta({
        description: "Process <esi:include> fragments in responses of this route (Symfony's ESI fragments).",
        examples: [true],
        default: false,
      }),
    cacheAuthenticated: z
      .boolean()
      .optional()
      .meta({
        description:
          "Cache requests that carry Authorization or Cookie and responses that set cookies. The http-cache-safe policy refuses it unless vary lists Authorization or Cookie (one copy per credential).",
        examples: [false],
        default: false,
      }),
  })
  .meta({
    description: "Put this route behind the HTTP cache tier.",
    examples: [{ ttl: 60, grace: 600, esi: true }],
  });

export type RouteCacheSpec = z.infer<typeof routeCacheSchema>;
export type RouteCache = Required<RouteCacheSpec>;

export function resolveRouteCache(c: RouteCacheSpec): RouteCache {
  return {
    ttl: c.ttl,
    grace: c.grace ?? DEFAULT_GRACE_SECONDS,
    keep: c.keep ?? DEFAULT_KEEP_SECONDS,
    vary: c.vary ?? [],
    esi: c.esi ?? false,
    cacheAuthenticated: c.cacheAuthenticated ?? false,
  };
}
