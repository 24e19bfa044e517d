import * as pulumi from "@pulumi/pulumi";
import type { ServiceSpec } from "../../infra/catalog/types";
import type { AzureConfig } from "../../infra/config/azure-schema";
import { objectStoreSettings } from "../backing/object-store-settings";
import { REDIS_CREDENTIAL_KEYS, redisCredentials } from "../backing/redis-layout";
import type {
  BackingBinding,
  BackingServices,
  PodAdditions,
  Provisioner,
  SecretStore,
  ServiceRequest,
  WorkloadIdentity,
} from "../backing/types";
import type { AzureBlobStorage } from "./blob-storage";
import { ClusterAddons } from "./cluster-addons";
import type { AzureFoundation } from "./foundation";
import type { AzureKeyVault } from "./key-vault";
import { KeyVaultSecretStore } from "./key-vault-secret-store";
import { AzureManagedRedis } from "./managed-redis";
import { type AzureNames, type NamingInput, serviceNames } from "./naming";
import { FlexiblePostgres } from "./postgres-flexible";
import { OperatorRabbitMq } from "./rabbitmq-cluster";
import { AzureWorkloadIdentity } from "./workload-identity";

// The Azure profile's backing services, behind the same interfaces as the in-cluster ones: a
// shared PostgreSQL flexible server and Azure Managed Redis for the tenants that share, a server
// or a cache of its own for a catalog entry that says `dedicated: true` (same component, same
// binding: moving a service is a one-line catalog change), Blob Storage through workload
// identity, RabbitMQ through its operator, and credentials delivered from Key Vault.

/** The credential variables a service will hold, for name checks before anything exists. */
export function credentialKeysOf(s: ServiceSpec): string[] {
  return [
    ...(s.database ? ["DATABASE_URL"] : []),
    ...(s.redis !== false ? REDIS_CREDENTIAL_KEYS : []),
    ...(s.messaging ? ["MESSENGER_TRANSPORT_DSN"] : []),
  ];
}

interface ManagedRedisStores {
  state: AzureManagedRedis;
  cache: AzureManagedRedis;
}

export interface AzureBackingArgs {
  namespace: string;
  services: readonly ServiceSpec[];
  foundation: AzureFoundation;
  naming: NamingInput;
  names: AzureNames;
  config: AzureConfig;
  protect: boolean;
  vault: AzureKeyVault;
  storage: AzureBlobStorage;
  issuer: pulumi.Input<string>;
  addons: { certManager: boolean; rabbitmqOperator: boolean };
  monitoringNamespace: string;
}

export class AzureBacking extends pulumi.ComponentResource implements BackingServices {
  readonly profile = "azure";
  readonly database: Provisioner;
  readonly redis: Provisioner;
  readonly objectStore: Provisioner;
  readonly messageBroker: Provisioner;
  readonly identity: WorkloadIdentity;
  readonly secrets: SecretStore;
  readonly endpoints: Record<string, pulumi.Input<string>> = {};

  constructor(name: string, args: AzureBackingArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:azure:Backing", name, {}, opts);
    const { foundation: f, config: c, namespace } = args;
    const shared = (need: (s: ServiceSpec) => boolean) => args.services.filter(need).map((s) => s.name);

    const postgresServer = (
      resourceName: string,
      serverName: string,
      objectName: string,
      tenants: string[],
      parent: pulumi.Resource,
    ) =>
      new FlexiblePostgres(
        resourceName,
        {
          foundation: f,
          serverName,
          objectName,
          version: c.postgres.version,
          skuName: c.postgres.skuName,
          tier: c.postgres.tier,
          storageSizeGb: c.postgres.storageSizeGb,
          highAvailability: c.postgres.highAvailability,
          geoRedundantBackup: c.postgres.geoRedundantBackup,
          backupRetentionDays: c.postgres.backupRetentionDays,
          zones: c.zones,
          parameters: c.postgres.parameters,
          protect: args.protect,
          namespace,
          tenants,
        },
        { parent },
      );
    // The layout's two stores (components/backing/redis-layout.ts): state as configured, and a
    // cache cluster of its own size that never persists.
    const managedRedis = (
      resourceName: string,
      names: { state: string; cache: string },
      parent: pulumi.Resource,
    ): ManagedRedisStores => {
      const common = { foundation: f, clusteringPolicy: c.redis.clusteringPolicy, protect: args.protect };
      return {
        state: new AzureManagedRedis(
          resourceName,
          {
            ...common,
            role: "state",
            clusterName: names.state,
            sku: c.redis.sku,
            highAvailability: c.redis.highAvailability,
            persistence: c.redis.persistence,
          },
          { parent },
        ),
        cache: new AzureManagedRedis(
          `${resourceName}-cache`,
          {
            ...common,
            role: "cache",
            clusterName: names.cache,
            sku: c.redis.cache.sku,
            highAvailability: c.redis.cache.highAvailability,
            persistence: "none",
          },
          { parent },
        ),
      };
    };

    const sharedDatabaseTenants = shared((s) => !!s.database && !s.database.dedicated);
    const postgres =
      sharedDatabaseTenants.length > 0
        ? postgresServer("postgres", args.names.postgresServer, "postgres", sharedDatabaseTenants, this)
        : undefined;
    const sharedRedisTenants = shared((s) => s.redis !== false && !s.redis?.dedicated);
    const redis =
      sharedRedisTenants.length > 0
        ? managedRedis("redis", { state: args.names.managedRedis, cache: args.names.managedRedisCache }, this)
        : undefined;

    const messaging = args.services.flatMap((s) =>
      s.messaging ? [{ service: s.name, messaging: s.messaging }] : [],
    );
    const rabbitmq =
      messaging.length > 0
        ? new OperatorRabbitMq(
            "rabbitmq",
            {
              name: "rabbitmq",
              namespace,
              tenants: messaging,
              replicas: c.rabbitmq.replicas,
              storageGi: c.rabbitmq.storageGi,
              ...(c.rabbitmq.storageClass ? { storageClass: c.rabbitmq.storageClass } : {}),
              cpuMillis: c.rabbitmq.cpuMillis,
              memoryMiB: c.rabbitmq.memoryMiB,
              zoneSpread: c.zones.length > 1,
              monitoringNamespace: args.monitoringNamespace,
              dependsOn: new ClusterAddons("cluster-addons", args.addons, { parent: this }).ready,
            },
            { parent: this },
          )
        : undefined;

    if (postgres) this.endpoints.postgres = pulumi.interpolate`${postgres.host}:5432`;
    if (redis) {
      this.endpoints.redis = pulumi.interpolate`${redis.state.host}:10000`;
      this.endpoints.redisCache = pulumi.interpolate`${redis.cache.host}:10000`;
    }
    if (rabbitmq) this.endpoints.rabbitmq = `${rabbitmq.host}:5671`;
    this.endpoints.objectStore = args.storage.endpoint;
    this.endpoints.keyVault = args.vault.uri;

    const databaseBinding = (server: FlexiblePostgres, service: string): BackingBinding => ({
      settings: {},
      credentials: {
        DATABASE_URL: must(
          server.tenants.tenants.get(service),
          `${service} has no role on ${server.endpoint.name}`,
        ).url,
      },
      egress: [server.endpoint.egress],
      dependsOn: [server.tenants.setupJob],
    });
    this.database = {
      provision: (req: ServiceRequest) => {
        const s = req.service;
        if (s.database?.dedicated) {
          const names = serviceNames(args.naming, s.name);
          return databaseBinding(
            postgresServer(
              `${s.name}-postgres`,
              names.dedicatedPostgres,
              `postgres-${s.name}`,
              [s.name],
              req.parent,
            ),
            s.name,
          );
        }
        return databaseBinding(must(postgres, "no shared PostgreSQL server for a sharing tenant"), s.name);
      },
    };

    const redisBinding = ({ state, cache }: ManagedRedisStores): BackingBinding => ({
      // The keyspace prefix (APP__REDIS__PREFIX) comes with the runtime contract.
      settings: {},
      credentials: redisCredentials(state.url, cache.url),
      egress: [state.path, cache.path],
      dependsOn: [state.database, state.access.dnsZoneGroup, cache.database, cache.access.dnsZoneGroup],
    });
    this.redis = {
      provision: (req) => {
        const s = req.service;
        if (s.redis !== false && s.redis?.dedicated) {
          const names = serviceNames(args.naming, s.name);
          return redisBinding(
            managedRedis(
              `${s.name}-redis`,
              { state: names.dedicatedRedis, cache: names.dedicatedRedisCache },
              req.parent,
            ),
          );
        }
        return redisBinding(must(redis, "no shared Redis for a sharing tenant"));
      },
    };

    this.messageBroker = {
      provision: (req) => {
        const broker = must(rabbitmq, "no RabbitMQ for a service with messaging");
        const tenant = must(broker.tenants.get(req.service.name), `${req.service.name} has no vhost`);
        return {
          settings: { APP__MESSENGER__VHOST: tenant.vhost },
          credentials: { MESSENGER_TRANSPORT_DSN: tenant.dsn },
          egress: [broker.path],
          dependsOn: [broker.cluster],
        };
      },
    };

    this.objectStore = {
      provision: (req) => {
        const s = req.service;
        const principalId = req.identity.principalId;
        if (!principalId) throw new Error(`internal: ${s.name} needs buckets but has no workload identity`);
        const created = (s.buckets ?? []).flatMap(
          (b) =>
            args.storage.container(
              `${s.name}-${b.name}`,
              serviceNames(args.naming, s.name).container(b.name),
              [{ principalId, access: b.access ?? "read-write", who: s.name }],
              { parent: req.parent },
            ).resources,
        );
        return {
          settings: objectStoreSettings(
            s,
            args.storage.endpoint,
            args.storage.accountName,
            "workload-identity",
          ),
          credentials: {},
          egress: [args.storage.path],
          dependsOn: [...created, args.storage.access.dnsZoneGroup],
        };
      },
    };

    this.identity = new AzureWorkloadIdentity(f, args.naming, args.issuer);
    const noMounts: PodAdditions = { volumes: [], volumeMounts: [] };
    this.secrets = new KeyVaultSecretStore({
      vault: args.vault,
      subscriptionId: f.client.subscriptionId,
      // Symfony's amqps DSN names the broker's CA file: it is mounted with the credentials.
      extraMounts: (s) => (s.messaging && rabbitmq ? rabbitmq.caMount : noMounts),
    });
    this.registerOutputs({ endpoints: this.endpoints });
  }
}

/** A value the composition guarantees; its absence is a bug in this file, not a user error. */
function must<T>(value: T | undefined, missing: string): T {
  if (value === undefined) throw new Error(`internal: ${missing}`);
  return value;
}
