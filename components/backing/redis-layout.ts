import type * as pulumi from "@pulumi/pulumi";

// The Redis layout of the runtime contract (docs/runtime-contract.md, "Redis layout"), shared by
// both profiles: two stores per tenant, because one Redis has one eviction policy.
//  - state: sessions, locks, rate-limiter counters. Never evicted (`noeviction`): a full store
//    refuses writes loudly instead of logging users out or releasing a lock early.
//  - cache: cache pools. Evicts the least recently used key whether or not it has a TTL
//    (`allkeys-lru`), so a cache item written without expiry can only push out other cache items.
// Every key starts with the tenant's prefix `<service>:` (APP__REDIS__PREFIX); in-cluster the ACL
// refuses any other key.

/** The credential variables a service with Redis holds. */
export const REDIS_CREDENTIAL_KEYS = ["IN_MEM_STORE__URI", "LOCK_DSN", "CACHE_DSN"] as const;

/** Sessions and the rate limiter read IN_MEM_STORE__URI, the Lock component LOCK_DSN: both state. */
export function redisCredentials(
  state: pulumi.Output<string>,
  cache: pulumi.Output<string>,
): Record<(typeof REDIS_CREDENTIAL_KEYS)[number], pulumi.Output<string>> {
  return { IN_MEM_STORE__URI: state, LOCK_DSN: state, CACHE_DSN: cache };
}
