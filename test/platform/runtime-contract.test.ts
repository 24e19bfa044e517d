import { beforeAll, describe, expect, it } from "vitest";
import { MANAGED_EVICTION_POLICY } from "../../components/azure/managed-redis";
import { REDIS_CREDENTIAL_KEYS } from "../../components/backing/redis-layout";
import { EVICTION_POLICY } from "../../components/in-cluster/redis-server";
import { ServiceGraph } from "../../infra/catalog/graph";
import { inputs, ofType, planStack, T } from "../azure/helpers";
import { catalog } from "../helpers/catalog";
import { nonEmpty } from "../helpers/non-empty";
import { baseConfig, type Planned, plan } from "../helpers/program";

// The runtime contract (docs/runtime-contract.md) read off the rendered objects: what a PHP app
// of the series reads must be there, with the meaning the document gives it.

let planned: Planned;
let azure: Planned;
const graph = new ServiceGraph(catalog);
const withRedis = catalog.filter((s) => s.redis !== false);
const arg = (args: string[], flag: string) => args[args.indexOf(flag) + 1];

beforeAll(async () => {
  // One program at a time: the mock runtime is process-wide.
  planned = await plan(baseConfig());
  azure = await planStack("prod");
  expect(planned.run.error).toBeUndefined();
  expect(azure.run.error).toBeUndefined();
}, 120_000);

describe("HTTP clients", () => {
  it("read APP__HTTP__SCHEME and APP__HTTP__PORT beside one APP__<TARGET>__HOST per dependency", () => {
    for (const s of nonEmpty(catalog)) {
      const env = planned.environment("Deployment", s.name);
      const targets = graph.dependencies(s.name);
      if (targets.length === 0) {
        expect(env.APP__HTTP__SCHEME, s.name).toBeUndefined();
        continue;
      }
      expect(env, s.name).toMatchObject({ APP__HTTP__SCHEME: "http", APP__HTTP__PORT: "80" });
      for (const t of nonEmpty(targets)) {
        const key = t.toUpperCase().replaceAll("-", "_");
        expect(env[`APP__${key}__PORT`]).toBe(env.APP__HTTP__PORT);
        expect(env[`APP__${key}__SCHEME`]).toBe(env.APP__HTTP__SCHEME);
      }
    }
  });
});

describe("Redis layout", () => {
  it("runs state with noeviction and cache with allkeys-lru in the cluster, cache never persisted", () => {
    const servers = planned
      .all("StatefulSet")
      .filter((o) => o.metadata.labels?.["app.kubernetes.io/component"] === "cache");
    const policies = Object.fromEntries(
      servers.map((o) => {
        const args: string[] = o.spec.template.spec.containers[0].args;
        return [o.metadata.name, [arg(args, "--maxmemory-policy"), arg(args, "--appendonly")]];
      }),
    );
    expect(policies).toEqual({
      redis: [EVICTION_POLICY.state, "yes"],
      "redis-cache": [EVICTION_POLICY.cache, "no"],
    });
    expect(EVICTION_POLICY).toEqual({ state: "noeviction", cache: "allkeys-lru" });
  });

  it("confines each tenant to its prefix on both servers", () => {
    const acls = planned
      .all("Secret")
      .filter((o) => o.metadata.labels?.["app.kubernetes.io/component"] === "cache")
      .map((o) => o.stringData["users.acl"] as string);
    expect(acls).toHaveLength(2);
    for (const acl of nonEmpty(acls)) {
      expect(acl).toMatch(/^user default off$/m);
      for (const s of nonEmpty(withRedis))
        expect(acl).toMatch(new RegExp(`^user ${s.name} on #[0-9a-f]{64} resetkeys ~${s.name}:\\* `, "m"));
    }
  });

  it("hands every service with Redis a state DSN (sessions, locks, limiter) and a cache DSN, as secrets", () => {
    for (const s of nonEmpty(withRedis)) {
      const env = planned.environment("Deployment", s.name);
      for (const key of nonEmpty(REDIS_CREDENTIAL_KEYS))
        expect(env[key], `${s.name} ${key}`).toHaveProperty("secretKeyRef");
      expect(env.APP__REDIS__PREFIX).toBe(`${s.name}:`);
    }
    const secret = planned
      .all("Secret")
      .find(
        (o) =>
          o.metadata.labels?.["app.kubernetes.io/name"] === withRedis[0]?.name && o.stringData?.CACHE_DSN,
      );
    expect(secret?.stringData.CACHE_DSN).toMatch(/@redis-cache\./);
    expect(secret?.stringData.IN_MEM_STORE__URI).toMatch(/@redis\./);
    expect(secret?.stringData.LOCK_DSN).toBe(secret?.stringData.IN_MEM_STORE__URI);
  });

  it("runs two Azure Managed Redis clusters: state never evicts, cache evicts any key and never persists", () => {
    const databases = ofType(azure, T.redisDatabase).map(inputs);
    const byCluster = (name: string) => databases.filter((d) => String(d.clusterName).includes(name));
    const cache = databases.filter((d) => /-cache-/.test(String(d.clusterName)));
    const state = databases.filter((d) => !/-cache-/.test(String(d.clusterName)));
    expect(cache.length).toBeGreaterThan(0);
    expect(cache.length).toBe(state.length);
    for (const d of nonEmpty(state)) expect(d.evictionPolicy).toBe(MANAGED_EVICTION_POLICY.state);
    for (const d of nonEmpty(cache)) {
      expect(d.evictionPolicy).toBe(MANAGED_EVICTION_POLICY.cache);
      expect(d.persistence).toEqual({ aofEnabled: false, rdbEnabled: false });
    }
    expect(byCluster("redis").length).toBe(databases.length);
    expect(MANAGED_EVICTION_POLICY).toEqual({ state: "NoEviction", cache: "AllKeysLRU" });
  });
});
