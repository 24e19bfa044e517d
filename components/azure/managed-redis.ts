import * as redisenterprise from "@pulumi/azure-native/redisenterprise";
import * as pulumi from "@pulumi/pulumi";
import type { NetworkPath } from "../backing/types";
import type { AzureFoundation } from "./foundation";
import { subnetPath } from "./network-paths";
import { type PrivateAccess, privateAccess } from "./private-endpoint";
import { statefulOptions } from "./stateful";

// Azure Managed Redis (redisenterprise; Azure Cache for Redis is retiring): TLS 1.2+ only on port
// 10000, no public network access (a private endpoint in the stack's network), and a clustering
// policy that phpredis and Predis without cluster mode understand (EnterpriseCluster or
// NoCluster, never the default OSSCluster). Tenants sharing it are kept apart by their keyspace
// prefix (APP__REDIS__PREFIX); the access key reaches them only as a secret DSN. Azure Managed
// Redis has one database per cluster, so the layout's two roles (components/backing/redis-layout.ts)
// are two clusters: `state` never evicts, `cache` evicts any least recently used key.

export const MANAGED_REDIS_PORT = 10_000;

/** The database's eviction policy per role of the Redis layout. */
export const MANAGED_EVICTION_POLICY = { state: "NoEviction", cache: "AllKeysLRU" } as const;

export interface ManagedRedisArgs {
  foundation: AzureFoundation;
  role: keyof typeof MANAGED_EVICTION_POLICY;
  clusterName: string;
  sku: string;
  highAvailability: boolean;
  clusteringPolicy: "EnterpriseCluster" | "NoCluster";
  persistence: "none" | "rdb" | "aof";
  protect: boolean;
}

function persistenceOf(mode: ManagedRedisArgs["persistence"]) {
  switch (mode) {
    case "rdb":
      return { rdbEnabled: true, rdbFrequency: "1h" };
    case "aof":
      return { aofEnabled: true, aofFrequency: "1s" };
    case "none":
      return { aofEnabled: false, rdbEnabled: false };
  }
}

/** `rediss://:<key>@<host>:10000`: the key may hold '+', '/' and '='. */
export function redisUrl(host: string, key: string): string {
  return `rediss://:${encodeURIComponent(key)}@${host}:${MANAGED_REDIS_PORT}`;
}

export class AzureManagedRedis extends pulumi.ComponentResource {
  readonly cluster: redisenterprise.RedisEnterprise;
  readonly database: redisenterprise.Database;
  readonly host: pulumi.Output<string>;
  /** DSN with the primary access key, a Pulumi secret. */
  readonly url: pulumi.Output<string>;
  readonly path: NetworkPath;
  readonly access: PrivateAccess;

  constructor(name: string, args: ManagedRedisArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:azure:ManagedRedis", name, {}, opts);
    const f = args.foundation;
    const parent = { parent: this };
    this.cluster = new redisenterprise.RedisEnterprise(
      `${name}-cluster`,
      {
        resourceGroupName: f.resourceGroupName,
        location: f.location,
        tags: f.tags,
        clusterName: args.clusterName,
        sku: { name: args.sku },
        minimumTlsVersion: "1.2",
        publicNetworkAccess: "Disabled",
        highAvailability: args.highAvailability ? "Enabled" : "Disabled",
      },
      { ...parent, ...statefulOptions(args.protect) },
    );
    this.database = new redisenterprise.Database(
      `${name}-database`,
      {
        resourceGroupName: f.resourceGroupName,
        clusterName: this.cluster.name,
        // Azure Managed Redis has exactly one database, named "default".
        databaseName: "default",
        clientProtocol: "Encrypted",
        port: MANAGED_REDIS_PORT,
        clusteringPolicy: args.clusteringPolicy,
        evictionPolicy: MANAGED_EVICTION_POLICY[args.role],
        accessKeysAuthentication: "Enabled",
        persistence: persistenceOf(args.persistence),
      },
      // The clustering policy cannot change without deleting the database (and its data).
      { ...parent, ...statefulOptions(args.protect) },
    );
    this.host = this.cluster.hostName;
    f.guard(name, this.cluster.id, "sessions, locks and cache", parent);
    const keys = redisenterprise.listDatabaseKeysOutput(
      {
        resourceGroupName: f.resourceGroupName,
        clusterName: this.cluster.name,
        databaseName: this.database.name,
      },
      parent,
    );
    this.url = pulumi.secret(
      pulumi.all([this.host, keys.primaryKey]).apply(([host, key]) => redisUrl(host, key)),
    );
    this.access = privateAccess(
      name,
      {
        foundation: f,
        targetId: this.cluster.id,
        groupId: "redisEnterprise",
        zone: "redis",
        endpointName: `pe-${args.clusterName}`,
      },
      parent,
    );
    this.path = subnetPath("redis", f.plan.privateEndpointSubnet, MANAGED_REDIS_PORT);
    this.registerOutputs({ host: this.host });
  }
}
