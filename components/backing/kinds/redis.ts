import type * as pulumi from "@pulumi/pulumi";
import type { BackingKind } from "../kind";
import { REDIS_CREDENTIAL_KEYS, redisCredentials } from "../redis-layout";
import type { RedisNeed } from "../types";

// Redis: cache, sessions, locks and the rate limiter of every service (field notes, failure
// mode 6), under the service's own keyspace prefix on the shared instance unless the spec says
// `redis: { dedicated: true }`. Every service asks for it unless it says `redis: false`.

/** The two stores of the Redis layout (redis-layout.ts), each a URL with the password (a Pulumi secret). */
export interface RedisConnection {
  /** Sessions, locks, rate limiter: never evicted. */
  state: pulumi.Output<string>;
  /** Cache pools: least recently used keys evicted. */
  cache: pulumi.Output<string>;
  /**
   * The password of both stores is an access token of this audience the app fetches through its
   * workload identity; the URLs carry the user only (docs/runtime-contract.md, "Passwordless logins").
   * @default none: the password is in the URLs
   */
  tokenScope?: string;
}

export const redisKind: BackingKind<RedisNeed, RedisConnection, (typeof REDIS_CREDENTIAL_KEYS)[number]> = {
  name: "redis",
  field: "redis",
  need: (spec) => (spec.redis === false ? undefined : (spec.redis ?? {})),
  dedicated: (need) => need.dedicated === true,
  credentialKeys: REDIS_CREDENTIAL_KEYS,
  environment: (spec, connection) => ({
    // Shared state for anything replicated: cache, sessions, locks, rate limiter.
    settings: {
      APP__CACHE__ADAPTER: "cache.adapter.redis",
      APP__SESSION__HANDLER: "redis",
      APP__RATE_LIMITER__STORAGE: "redis",
      APP__REDIS__PREFIX: `${spec.name}:`,
      ...(connection.tokenScope
        ? { APP__REDIS__AUTH: "workload-identity", APP__REDIS__TOKEN_SCOPE: connection.tokenScope }
        : {}),
    },
    credentials: redisCredentials(connection.state, connection.cache),
  }),
};
