import * as redisenterprise from "@pulumi/azure-native/redisenterprise";
import * as pulumi from "@pulumi/pulumi";
import type { NetworkPath } from "../backing/types";
import { REDIS_TOKEN_SCOPE } from "./entra-token";
import type { AzureFoundation } from "./foundation";
import { subnetPath } from "./network-paths";
import { type PrivateAccess, privateAccess } from "./private-endpoint";
import { statefulOptions } from "./stateful";

// Azure Managed Redis (redisenterprise; Azure Cache for Redis is retiring): TLS 1.2+ only on port
// 10000, no public network access (a private endpoint in the stack's network), and a clustering
// policy that phpredis and Predis without cluster mode understand (EnterpriseCluster or
// NoCluster, never the default OSSCluster). Tenants sharing it are kept apart by their keyspace
// prefix (APP__REDIS__PREFIX). Passwordless by default (`authentication: entra`): access keys are
// disabled and each service's managed identity gets an access policy assignment, so a service
// logs in as its identity's object id with an Entra access token; `accessKey` is the explicit
// fallback, where the key reaches the services only as a secret DSN. Azure Managed Redis has one
// database per cluster, so the layout's two roles (components/backing/redis-layout.ts)
// are two clusters: `state` never evicts, `cache` evicts any least recently used key.

export const MANAGED_REDIS_PORT = 10_000;

/** The database's eviction policy per role of the Redis layout. */
export const MANAGED_EVICTION_POLICY = { state: "NoEviction", cache: "AllKeysLRU" } as const;

/** How the services log in: an Entra access token as their identity, or the access key (fallback). */
export type RedisAuthentication = "entra" | "accessKey";

/** The one access policy Azure Managed Redis offers for Entra users: the whole database. */
const ACCESS_POLICY = "default";

/** One tenant's login on a cluster. */
export interface RedisLogin {
  /** DSN, a Pulumi secret: with the access key, or (Entra) the identity's object id as the user. */
  url: pulumi.Output<string>;
  /** Entra authentication: the audience of the access token the service sends as its password. */
  tokenScope?: string;
  ready: pulumi.Resource[];
}

export interface ManagedRedisArgs {
  foundation: AzureFoundation;
  role: keyof typeof MANAGED_EVICTION_POLICY;
  clusterName: string;
  sku: string;
  highAvailability: boolean;
  clusteringPolicy: "EnterpriseCluster" | "NoCluster";
  persistence: "none" | "rdb" | "aof";
  authentication: RedisAuthentication;
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

/** `rediss://<object id>@<host>:10000`: an Entra user, whose password is an access token. */
export function redisEntraUrl(host: string, objectId: string): string {
  return `rediss://${encodeURIComponent(objectId)}@${host}:${MANAGED_REDIS_PORT}`;
}

export class AzureManagedRedis extends pulumi.ComponentResource {
  readonly cluster: redisenterprise.RedisEnterprise;
  readonly database: redisenterprise.Database;
  readonly host: pulumi.Output<string>;
  readonly path: NetworkPath;
  readonly access: PrivateAccess;
  /** With access keys: the DSN with the primary key, a Pulumi secret. */
  private readonly keyUrl?: pulumi.Output<string>;
  private readonly clusterName: string;
  private readonly resourceGroupName: pulumi.Input<string>;
  /** The last access policy assignment: Azure takes one operation at a time on a database. */
  private lastAssignment?: pulumi.Resource;

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
        accessKeysAuthentication: args.authentication === "accessKey" ? "Enabled" : "Disabled",
        persistence: persistenceOf(args.persistence),
      },
      // The clustering policy cannot change without deleting the database (and its data).
      { ...parent, ...statefulOptions(args.protect) },
    );
    this.host = this.cluster.hostName;
    f.guard(name, this.cluster.id, "sessions, locks and cache", parent);
    this.clusterName = args.clusterName;
    this.resourceGroupName = f.resourceGroupName;
    if (args.authentication === "accessKey") {
      const keys = redisenterprise.listDatabaseKeysOutput(
        {
          resourceGroupName: f.resourceGroupName,
          clusterName: this.cluster.name,
          databaseName: this.database.name,
        },
        parent,
      );
      this.keyUrl = pulumi.secret(
        pulumi.all([this.host, keys.primaryKey]).apply(([host, key]) => redisUrl(host, key)),
      );
    }
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

  /**
   * The tenant's login: the access key's DSN, or (Entra) an access policy assignment for the
   * service's managed identity, a child of `parent` (the service).
   */
  login(tenant: string, principalId: pulumi.Output<string> | undefined, parent: pulumi.Resource): RedisLogin {
    if (this.keyUrl) return { url: this.keyUrl, ready: [this.database, this.access.dnsZoneGroup] };
    if (!principalId) throw new Error(`internal: ${tenant} needs Redis but has no workload identity`);
    const assignment = new redisenterprise.AccessPolicyAssignment(
      `${tenant}-${this.clusterName}-access`,
      {
        resourceGroupName: this.resourceGroupName,
        clusterName: this.cluster.name,
        databaseName: this.database.name,
        // Letters and digits only: the identity's object id without its dashes, one per identity.
        accessPolicyAssignmentName: principalId.apply((id) => id.replaceAll("-", "")),
        accessPolicyName: ACCESS_POLICY,
        user: { objectId: principalId },
      },
      { parent, dependsOn: this.lastAssignment ? [this.lastAssignment] : [this.database] },
    );
    this.lastAssignment = assignment;
    return {
      url: pulumi.secret(pulumi.all([this.host, principalId]).apply(([host, id]) => redisEntraUrl(host, id))),
      tokenScope: REDIS_TOKEN_SCOPE,
      ready: [this.database, this.access.dnsZoneGroup, assignment],
    };
  }
}
