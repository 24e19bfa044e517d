import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { credentialsVersion } from "../backing/credentials-version";
import { type BackingImages, backingImages } from "../backing/images";
import { databaseKind, messageBrokerKind, objectStoreKind, redisKind } from "../backing/kinds";
import { type Tenant, tenantProvisioner } from "../backing/provisioner";
import type {
  BackingServices,
  IdentityBinding,
  Provisioner,
  SecretStore,
  ServiceSpec,
  WorkloadIdentity,
} from "../backing/types";
import { serviceLabels } from "../kube/labels";
import { namespacePeer } from "../kube/network";
import type { RequestScale } from "../kube/resources";
import type { ScrapeTarget } from "../monitoring/monitors";
import { InClusterAzurite } from "./azurite-server";
import { InClusterPostgres } from "./postgres-server";
import { InClusterRabbitMq } from "./rabbitmq-server";
import { InClusterRedis, type RedisRole } from "./redis-server";
import type { Persistence } from "./stateful-server";

// The in-cluster profile's backing services: shared servers for the tenants that share, a
// server of its own for a service that declares `dedicated: true`, and credentials delivered
// as plain Kubernetes Secrets. Used on a laptop cluster and for every ephemeral CI stack.

/** What Prometheus scrapes on the in-cluster servers, by role: every server of a role, shared or dedicated. */
export const inClusterScrapeTargets: readonly ScrapeTarget[] = [
  { component: "database", path: "/metrics" },
  { component: "cache", path: "/metrics" },
  // Per-queue depth (vhost and queue labels) for the backlog and dead-letter alerts.
  { component: "message-broker", path: "/metrics/detailed", params: { family: ["queue_coarse_metrics"] } },
];

export interface InClusterBackingArgs {
  namespace: string;
  services: readonly ServiceSpec[];
  persistence: Persistence;
  /** The backing images. @default the pinned upstream images (`backingImages()`, images.ts) */
  images?: BackingImages;
  /**
   * The namespace of the Prometheus that scrapes the servers' metrics.
   * @default - no exporters and no metrics ports opened (monitoring off)
   */
  scrapedFromNamespace?: string;
  /**
   * The stack's `platform:requestScale`: a factor on the CPU and memory requests of every server,
   * exporter and setup Job; limits unchanged.
   * @default 1 (requests as sized)
   */
  requestScale?: RequestScale;
}

const noIdentity: IdentityBinding = {
  serviceAccountAnnotations: {},
  podLabels: {},
  settings: {},
  egress: [],
  dependsOn: [],
};

export class InClusterBacking extends pulumi.ComponentResource implements BackingServices {
  readonly profile = "in-cluster";
  readonly provisioners: readonly Provisioner[];
  readonly identity: WorkloadIdentity = { bind: () => noIdentity };
  readonly secrets: SecretStore;
  readonly endpoints: Record<string, pulumi.Input<string>> = {};

  constructor(name: string, args: InClusterBackingArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:in-cluster:Backing", name, {}, opts);
    const { namespace, persistence, services, requestScale } = args;
    const images = args.images ?? backingImages();
    const scraped = args.scrapedFromNamespace
      ? { scrapedFrom: [namespacePeer(args.scrapedFromNamespace)] }
      : {};
    const names = <Need>(tenants: ReadonlyArray<Tenant<Need>>) => tenants.map((t) => t.service.name);

    const postgres = (resourceName: string, server: string, tenants: string[], parent: pulumi.Resource) =>
      new InClusterPostgres(
        resourceName,
        { name: server, namespace, tenants, persistence, image: images.postgres, requestScale, ...scraped },
        { parent },
      );
    const database = tenantProvisioner(databaseKind, services, {
      shared: (tenants) => postgres("postgres", "postgres", names(tenants), this),
      dedicated: ({ service, parent }) =>
        postgres(`${service.name}-postgres`, `postgres-${service.name}`, [service.name], parent),
      connect: (server, { service }) => ({
        connection: { url: tenantOf(server.tenants.tenants, service.name, "database").url },
        egress: [server.endpoint.egress],
        dependsOn: [server.tenants.setupJob],
      }),
    });

    // The Redis layout's two stores (components/backing/redis-layout.ts): `<server>` for state,
    // `<server>-cache` for cache.
    const redisStores = (
      resourceName: string,
      server: string,
      tenants: string[],
      parent: pulumi.Resource,
    ) => {
      const store = (suffix: string, role: RedisRole) =>
        new InClusterRedis(
          `${resourceName}${suffix}`,
          {
            name: `${server}${suffix}`,
            role,
            namespace,
            tenants,
            persistence,
            maxMemoryMiB: 256,
            image: images.redis,
            requestScale,
            ...scraped,
          },
          { parent },
        );
      return { state: store("", "state"), cache: store("-cache", "cache") };
    };
    const redis = tenantProvisioner(redisKind, services, {
      shared: (tenants) => redisStores("redis", "redis", names(tenants), this),
      dedicated: ({ service, parent }) =>
        redisStores(`${service.name}-redis`, `redis-${service.name}`, [service.name], parent),
      connect: ({ state, cache }, { service }) => ({
        connection: {
          state: tenantOf(state.tenants, service.name, "redis").url,
          cache: tenantOf(cache.tenants, service.name, "redis cache").url,
        },
        egress: [state.server.path, cache.server.path],
        dependsOn: [state.server.statefulSet, cache.server.statefulSet],
      }),
    });

    const broker = tenantProvisioner(messageBrokerKind, services, {
      shared: (tenants) =>
        new InClusterRabbitMq(
          "rabbitmq",
          {
            name: "rabbitmq",
            namespace,
            tenants: tenants.map((t) => ({ service: t.service.name, messaging: t.need })),
            persistence,
            image: images.rabbitmq,
            requestScale,
            ...scraped,
          },
          { parent: this },
        ),
      connect: (server, { service }) => {
        const tenant = tenantOf(server.tenants, service.name, "message broker");
        return {
          connection: { vhost: tenant.vhost, dsn: tenant.dsn },
          egress: [server.server.path],
          dependsOn: [server.server.statefulSet],
        };
      },
    });

    const objectStore = tenantProvisioner(objectStoreKind, services, {
      shared: (tenants) =>
        new InClusterAzurite(
          "azurite",
          {
            name: "azurite",
            namespace,
            tenants: new Map(
              tenants.map((t) => [t.service.name, t.need.map((b) => `${t.service.name}-${b.name}`)]),
            ),
            persistence,
            image: images.azurite,
            requestScale,
          },
          { parent: this },
        ),
      connect: (server, { service }) => {
        const tenant = tenantOf(server.tenants, service.name, "object store");
        return {
          connection: {
            endpoint: tenant.endpoint,
            account: tenant.account,
            auth: "connection-string" as const,
            connectionString: tenant.connectionString,
          },
          egress: [server.server.path],
          dependsOn: [server.setupJob],
        };
      },
    });
    this.provisioners = [database, redis, objectStore, broker].map((p) => p.provisioner);

    if (database.shared) this.endpoints.postgres = `${database.shared.endpoint.host}:5432`;
    if (redis.shared) {
      this.endpoints.redis = `${redis.shared.state.server.host}:6379`;
      this.endpoints.redisCache = `${redis.shared.cache.server.host}:6379`;
    }
    if (broker.shared) this.endpoints.rabbitmq = `${broker.shared.server.host}:5672`;
    if (objectStore.shared) this.endpoints.objectStore = `http://${objectStore.shared.server.host}:10000`;

    this.secrets = {
      store: (req) => {
        const secret = new k8s.core.v1.Secret(
          `${req.service.name}-credentials`,
          {
            metadata: { namespace: req.namespace, labels: serviceLabels(req.service.name) },
            type: "Opaque",
            stringData: req.credentials,
          },
          { parent: req.parent },
        );
        if (Object.keys(req.references ?? {}).length > 0)
          throw new Error(`internal: ${req.service.name} references secrets a Kubernetes store cannot read`);
        return {
          secretName: secret.metadata.name,
          version: credentialsVersion(req.service.name, req.credentials, req.parent),
          pod: { volumes: [], volumeMounts: [] },
          dependsOn: [secret],
        };
      },
    };
    this.registerOutputs({ endpoints: this.endpoints });
  }
}

function tenantOf<T>(tenants: ReadonlyMap<string, T> | undefined, service: string, what: string): T {
  const tenant = tenants?.get(service);
  if (!tenant) throw new Error(`internal: ${service} was not registered as a ${what} tenant`);
  return tenant;
}
