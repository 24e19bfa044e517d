import type * as pulumi from "@pulumi/pulumi";
import type { BackingKind } from "../kind";
import type { RedisNeed } from "../types";

// Redis: cache, sessions, locks and the rate limiter of every service (field notes, failure
// mode 6), under the service's own keyspace prefix on the shared instance unless the spec says
// `redis: { dedicated: true }`. Every service asks for it unless it says `redis: false`.

export interface RedisConnection {
  /** `redis://` or `rediss://` URL with the password, a Pulumi secret. */
  url: pulumi.Output<string>;
}

export const redisKind: BackingKind<RedisNeed, RedisConnection, "IN_MEM_STORE__URI" | "LOCK_DSN"> = {
  name: "redis",
  field: "redis",
  need: (spec) => (spec.redis === false ? undefined : (spec.redis ?? {})),
  dedicated: (need) => need.dedicated === true,
  credentialKeys: ["IN_MEM_STORE__URI", "LOCK_DSN"],
  environment: (spec, connection) => ({
    // Shared state for anything replicated: cache, sessions, locks, rate limiter.
    settings: {
      APP__CACHE__ADAPTER: "cache.adapter.redis",
      APP__SESSION__HANDLER: "redis",
      APP__RATE_LIMITER__STORAGE: "redis",
      APP__REDIS__PREFIX: `${spec.name}:`,
    },
    credentials: { IN_MEM_STORE__URI: connection.url, LOCK_DSN: connection.url },
  }),
};
