import * as pulumi from "@pulumi/pulumi";
import type { AzureConfig } from "../azure-options/schema";
import { needs } from "../backing/kind";
import { databaseKind, messageBrokerKind, objectStoreKind, redisKind } from "../backing/kinds";
import { tenantProvisioner } from "../backing/provisioner";
import type {
  BackingServices,
  PodAdditions,
  Provisioner,
  SecretStore,
  ServiceSpec,
  WorkloadIdentity,
} from "../backing/types";
import type { RequestScale } from "../kube/resources";
import type { AzureBlobStorage } from "./blob-storage";
import { ClusterAddons } from "./cluster-addons";
import type { AzureFoundation } from "./foundation";
import type { AzureKeyVault } from "./key-vault";
import { KeyVaultSecretStore } from "./key-vault-secret-store";
import { AzureManagedRedis } from "./managed-redis";
import { type AzureNames, type NamingInput, serviceNames } from "./naming";
import { POSTGRES_CA_FILE, postgresCaBundle } from "./postgres-ca";
import { FlexiblePostgres } from "./postgres-flexible";
import { OperatorRabbitMq } from "./rabbitmq-cluster";
import { AzureWorkloadIdentity } from "./workload-identity";

// The Azure profile's backing services, behind the same interfaces as the in-cluster ones: a
// shared PostgreSQL flexible server and Azure Managed Redis for the tenants that share, a server
// or a cache of its own for a catalog entry that says `dedicated: true` (same component, same
// binding: moving a service is a one-line catalog change), Blob Storage through workload
// identity, RabbitMQ through its operator, and credentials delivered from Key Vault.

export interface AzureBackingArgs {
  namespace: string;
  /**
   * The platform's admin namespace: database setup Jobs, their identity and any administrator
   * credential, kept out of the services' namespace.
   */
  adminNamespace: string;
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
  /**
   * The stack's `platform:requestScale`: a factor on the CPU and memory requests of the setup Jobs
   * and the RabbitMQ nodes; limits unchanged.
   * @default 1 (requests as sized)
   */
  requestScale?: RequestScale;
}

export class AzureBacking extends pulumi.ComponentResource implements BackingServices {
  readonly profile = "azure";
  readonly provisioners: readonly Provisioner[];
  readonly identity: WorkloadIdentity;
  readonly secrets: SecretStore;
  readonly endpoints: Record<string, pulumi.Input<string>> = {};

  constructor(name: string, args: AzureBackingArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:azure:Backing", name, {}, opts);
    const { foundation: f, config: c, namespace, services } = args;

    // One bundle of Azure's PostgreSQL roots per namespace (the services', the setup Jobs'),
    // created with the first server.
    let caBundle: ReturnType<typeof postgresCaBundle> | undefined;
    let adminCaBundle: ReturnType<typeof postgresCaBundle> | undefined;
    const adminCa = () => {
      caBundle ??= postgresCaBundle("postgres", namespace, { parent: this });
      adminCaBundle ??= postgresCaBundle("postgres-admin", args.adminNamespace, { parent: this });
      return adminCaBundle;
    };
    const postgresServer = (
      resourceName: string,
      serverName: string,
      objectName: string,
      adminIdentityName: string,
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
          authentication: c.postgres.authentication,
          adminNamespace: args.adminNamespace,
          adminIdentityName,
          issuer: args.issuer,
          tenants,
          ca: { file: POSTGRES_CA_FILE, mount: adminCa().mount },
          requestScale: args.requestScale,
        },
        { parent },
      );
    // The Redis layout's two stores (components/backing/redis-layout.ts): state as configured,
    // and a cache cluster of its own size that never persists.
    const managedRedis = (
      resourceName: string,
      names: { state: string; cache: string },
      parent: pulumi.Resource,
    ) => {
      const common = {
        foundation: f,
        clusteringPolicy: c.redis.clusteringPolicy,
        authentication: c.redis.authentication,
        protect: args.protect,
      };
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

    const database = tenantProvisioner(databaseKind, services, {
      shared: (tenants) =>
        postgresServer(
          "postgres",
          args.names.postgresServer,
          "postgres",
          args.names.postgresAdminIdentity,
          tenants.map((t) => t.service.name),
          this,
        ),
      dedicated: ({ service, parent }) => {
        const names = serviceNames(args.naming, service.name);
        return postgresServer(
          `${service.name}-postgres`,
          names.dedicatedPostgres,
          `postgres-${service.name}`,
          names.dedicatedPostgresAdminIdentity,
          [service.name],
          parent,
        );
      },
      connect: (server, { service, identity, parent }) => {
        const login = server.login(service.name, identity.principalId, parent);
        return {
          connection: { url: login.url, ...(login.tokenScope ? { tokenScope: login.tokenScope } : {}) },
          egress: [server.egress],
          dependsOn: login.ready,
        };
      },
    });

    const redis = tenantProvisioner(redisKind, services, {
      shared: () =>
        managedRedis("redis", { state: args.names.managedRedis, cache: args.names.managedRedisCache }, this),
      dedicated: ({ service, parent }) => {
        const names = serviceNames(args.naming, service.name);
        return managedRedis(
          `${service.name}-redis`,
          { state: names.dedicatedRedis, cache: names.dedicatedRedisCache },
          parent,
        );
      },
      // The keyspace prefix (APP__REDIS__PREFIX) comes with the kind's runtime contract.
      connect: ({ state, cache }, { service, identity, parent }) => {
        const stateLogin = state.login(service.name, identity.principalId, parent);
        const cacheLogin = cache.login(service.name, identity.principalId, parent);
        return {
          connection: {
            state: stateLogin.url,
            cache: cacheLogin.url,
            ...(stateLogin.tokenScope ? { tokenScope: stateLogin.tokenScope } : {}),
          },
          egress: [state.path, cache.path],
          dependsOn: [...stateLogin.ready, ...cacheLogin.ready],
        };
      },
    });

    const broker = tenantProvisioner(messageBrokerKind, services, {
      shared: (tenants) =>
        new OperatorRabbitMq(
          "rabbitmq",
          {
            name: "rabbitmq",
            namespace,
            tenants: tenants.map((t) => ({ service: t.service.name, messaging: t.need })),
            replicas: c.rabbitmq.replicas,
            storageGi: c.rabbitmq.storageGi,
            ...(c.rabbitmq.storageClass ? { storageClass: c.rabbitmq.storageClass } : {}),
            cpuMillis: c.rabbitmq.cpuMillis,
            memoryMiB: c.rabbitmq.memoryMiB,
            zoneSpread: c.zones.length > 1,
            monitoringNamespace: args.monitoringNamespace,
            requestScale: args.requestScale,
            dependsOn: new ClusterAddons("cluster-addons", args.addons, { parent: this }).ready,
          },
          { parent: this },
        ),
      connect: (server, { service }) => {
        const tenant = must(server.tenants.get(service.name), `${service.name} has no vhost`);
        return {
          connection: { vhost: tenant.vhost, dsn: tenant.dsn },
          egress: [server.path],
          dependsOn: [server.cluster],
        };
      },
    });

    // The platform's storage account is the shared server; containers come per tenant.
    const objectStore = tenantProvisioner(objectStoreKind, services, {
      shared: () => args.storage,
      connect: (storage, { service, need, identity, parent }) => {
        const principalId = identity.principalId;
        if (!principalId)
          throw new Error(`internal: ${service.name} needs buckets but has no workload identity`);
        const created = need.flatMap(
          (b) =>
            storage.container(
              `${service.name}-${b.name}`,
              serviceNames(args.naming, service.name).container(b.name),
              [{ principalId, access: b.access ?? "read-write", who: service.name }],
              { parent },
            ).resources,
        );
        return {
          connection: {
            endpoint: storage.endpoint,
            account: storage.accountName,
            auth: "workload-identity" as const,
          },
          egress: [storage.path],
          dependsOn: [...created, storage.access.dnsZoneGroup],
        };
      },
    });
    this.provisioners = [database, redis, objectStore, broker].map((p) => p.provisioner);

    const postgres = database.shared;
    if (postgres) this.endpoints.postgres = pulumi.interpolate`${postgres.host}:5432`;
    if (redis.shared) {
      this.endpoints.redis = pulumi.interpolate`${redis.shared.state.host}:10000`;
      this.endpoints.redisCache = pulumi.interpolate`${redis.shared.cache.host}:10000`;
    }
    const rabbitmq = broker.shared;
    if (rabbitmq) this.endpoints.rabbitmq = `${rabbitmq.host}:5671`;
    this.endpoints.objectStore = args.storage.endpoint;
    this.endpoints.keyVault = args.vault.uri;

    this.identity = new AzureWorkloadIdentity(f, args.naming, args.issuer);
    const noMounts: PodAdditions = { volumes: [], volumeMounts: [] };
    const mounts = (...parts: PodAdditions[]): PodAdditions => ({
      volumes: parts.flatMap((p) => p.volumes),
      volumeMounts: parts.flatMap((p) => p.volumeMounts),
    });
    this.secrets = new KeyVaultSecretStore({
      vault: args.vault,
      subscriptionId: f.client.subscriptionId,
      // The amqps DSN names the broker's CA file and the PostgreSQL DSN Azure's roots
      // (sslmode=verify-full): both are mounted with the credentials.
      extraMounts: (s) =>
        mounts(
          needs(messageBrokerKind, s) && rabbitmq ? rabbitmq.caMount : noMounts,
          needs(databaseKind, s) && caBundle ? caBundle.mount : noMounts,
        ),
    });
    this.registerOutputs({ endpoints: this.endpoints });
  }
}

/** A value the composition guarantees; its absence is a bug in this file, not a user error. */
function must<T>(value: T | undefined, missing: string): T {
  if (value === undefined) throw new Error(`internal: ${missing}`);
  return value;
}
