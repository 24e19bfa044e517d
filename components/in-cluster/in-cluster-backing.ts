import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ServiceSpec } from "../../infra/catalog/types";
import { objectStoreSettings } from "../backing/object-store-settings";
import type { PostgresTenant } from "../backing/postgres-tenants";
import type {
  BackingBinding,
  BackingServices,
  IdentityBinding,
  Provisioner,
  SecretStore,
  ServiceRequest,
  WorkloadIdentity,
} from "../backing/types";
import { serviceLabels } from "../kube/labels";
import { InClusterAzurite } from "./azurite-server";
import { type BackingImages, backingImages } from "./images";
import { InClusterPostgres } from "./postgres-server";
import { InClusterRabbitMq } from "./rabbitmq-server";
import { InClusterRedis } from "./redis-server";
import type { Persistence } from "./stateful-server";

// The in-cluster profile's backing services: shared servers for the tenants that share, a
// server of its own for a service that declares `dedicated: true`, and credentials delivered
// as plain Kubernetes Secrets. Used on a laptop cluster and for every ephemeral CI stack.

export interface InClusterBackingArgs {
  namespace: string;
  services: readonly ServiceSpec[];
  persistence: Persistence;
  /** The backing images (default: the pinned upstream ones, images.ts). */
  images?: BackingImages;
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
  readonly database: Provisioner;
  readonly redis: Provisioner;
  readonly objectStore: Provisioner;
  readonly messageBroker: Provisioner;
  readonly identity: WorkloadIdentity = { bind: () => noIdentity };
  readonly secrets: SecretStore;
  readonly endpoints: Record<string, pulumi.Input<string>> = {};

  constructor(name: string, args: InClusterBackingArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:in-cluster:Backing", name, {}, opts);
    const { namespace, persistence } = args;
    const {
      postgres: postgresImage,
      redis: redisImage,
      rabbitmq: rabbitmqImage,
      azurite: azuriteImage,
    } = args.images ?? backingImages();
    const shared = (need: (s: ServiceSpec) => boolean) => args.services.filter(need).map((s) => s.name);

    const sharedDatabaseTenants = shared((s) => !!s.database && !s.database.dedicated);
    const postgres =
      sharedDatabaseTenants.length > 0
        ? new InClusterPostgres(
            "postgres",
            {
              name: "postgres",
              namespace,
              tenants: sharedDatabaseTenants,
              persistence,
              image: postgresImage,
            },
            { parent: this },
          )
        : undefined;
    const sharedRedisTenants = shared((s) => s.redis !== false && !s.redis?.dedicated);
    const redis =
      sharedRedisTenants.length > 0
        ? new InClusterRedis(
            "redis",
            {
              name: "redis",
              namespace,
              tenants: sharedRedisTenants,
              persistence,
              maxMemoryMiB: 256,
              image: redisImage,
            },
            { parent: this },
          )
        : undefined;
    const messaging = args.services.flatMap((s) =>
      s.messaging ? [{ service: s.name, messaging: s.messaging }] : [],
    );
    const rabbitmq =
      messaging.length > 0
        ? new InClusterRabbitMq(
            "rabbitmq",
            { name: "rabbitmq", namespace, tenants: messaging, persistence, image: rabbitmqImage },
            { parent: this },
          )
        : undefined;
    const buckets = new Map(
      args.services
        .filter((s) => s.buckets?.length)
        .map((s) => [s.name, (s.buckets ?? []).map((b) => `${s.name}-${b.name}`)]),
    );
    const azurite =
      buckets.size > 0
        ? new InClusterAzurite(
            "azurite",
            { name: "azurite", namespace, tenants: buckets, persistence, image: azuriteImage },
            { parent: this },
          )
        : undefined;

    if (postgres) this.endpoints.postgres = `${postgres.endpoint.host}:5432`;
    if (redis) this.endpoints.redis = `${redis.server.host}:6379`;
    if (rabbitmq) this.endpoints.rabbitmq = `${rabbitmq.server.host}:5672`;
    if (azurite) this.endpoints.objectStore = `http://${azurite.server.host}:10000`;

    const databaseBinding = (tenant: PostgresTenant, server: InClusterPostgres): BackingBinding => ({
      settings: {},
      credentials: { DATABASE_URL: tenant.url },
      egress: [server.endpoint.egress],
      dependsOn: [server.tenants.setupJob],
    });
    this.database = {
      provision: (req: ServiceRequest) => {
        if (req.service.database?.dedicated) {
          const server = new InClusterPostgres(
            `${req.service.name}-postgres`,
            {
              name: `postgres-${req.service.name}`,
              namespace,
              tenants: [req.service.name],
              persistence,
              image: postgresImage,
            },
            { parent: req.parent },
          );
          return databaseBinding(tenantOf(server.tenants.tenants, req.service.name, "database"), server);
        }
        return databaseBinding(
          tenantOf(postgres?.tenants.tenants, req.service.name, "database"),
          required(postgres),
        );
      },
    };

    const redisBinding = (server: InClusterRedis, service: string): BackingBinding => {
      const tenant = tenantOf(server.tenants, service, "redis");
      return {
        settings: {},
        credentials: { IN_MEM_STORE__URI: tenant.url, LOCK_DSN: tenant.url },
        egress: [server.server.path],
        dependsOn: [server.server.statefulSet],
      };
    };
    this.redis = {
      provision: (req) => {
        if (req.service.redis !== false && req.service.redis?.dedicated) {
          const server = new InClusterRedis(
            `${req.service.name}-redis`,
            {
              name: `redis-${req.service.name}`,
              namespace,
              tenants: [req.service.name],
              persistence,
              maxMemoryMiB: 256,
              image: redisImage,
            },
            { parent: req.parent },
          );
          return redisBinding(server, req.service.name);
        }
        return redisBinding(required(redis), req.service.name);
      },
    };

    this.messageBroker = {
      provision: (req) => {
        const broker = required(rabbitmq);
        const tenant = tenantOf(broker.tenants, req.service.name, "message broker");
        return {
          settings: { APP__MESSENGER__VHOST: tenant.vhost },
          credentials: { MESSENGER_TRANSPORT_DSN: tenant.dsn },
          egress: [broker.server.path],
          dependsOn: [broker.server.statefulSet],
        };
      },
    };

    this.objectStore = {
      provision: (req) => {
        const store = required(azurite);
        const tenant = tenantOf(store.tenants, req.service.name, "object store");
        return {
          settings: objectStoreSettings(req.service, tenant.endpoint, tenant.account, "connection-string"),
          credentials: { APP__STORAGE__CONNECTION_STRING: tenant.connectionString },
          egress: [store.server.path],
          dependsOn: [store.setupJob],
        };
      },
    };

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
        return {
          secretName: secret.metadata.name,
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

function required<T>(server: T | undefined): T {
  if (!server)
    throw new Error("internal: a provisioner was called for a backing service no service declared");
  return server;
}
