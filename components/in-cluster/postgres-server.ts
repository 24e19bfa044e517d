import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { images } from "../backing/images";
import { type PostgresServerEndpoint, PostgresTenants } from "../backing/postgres-tenants";
import { objectLabels } from "../kube/labels";
import { podsOfServices } from "../kube/network";
import { fixedResources, type RequestScale } from "../kube/resources";
import { writablePath } from "../kube/security";
import { type Persistence, statefulServer } from "./stateful-server";

// PostgreSQL in the cluster (laptop, CI): the official image as a non-root StatefulSet, with one
// database and one role per tenant service created by the shared setup Job.

const POSTGRES_UID = 70; // the alpine image's postgres user
const MAJOR_VERSION = "17";

export interface PostgresServerArgs {
  /** Object name: "postgres" for the shared server, "postgres-<service>" for a dedicated one. */
  name: string;
  namespace: string;
  tenants: readonly string[];
  persistence: Persistence;
  /** The image to run. @default `images.postgres` (images.ts) */
  image?: string;
  /**
   * Who scrapes the exporter.
   * @default - no exporter sidecar (monitoring off)
   */
  scrapedFrom?: k8s.types.input.networking.v1.NetworkPolicyPeer[];
  /**
   * The stack's `platform:requestScale`: a factor on the CPU and memory requests of its containers
   * (server, exporter, setup Job); limits unchanged.
   * @default 1 (requests as sized)
   */
  requestScale?: RequestScale;
}

export class InClusterPostgres extends pulumi.ComponentResource {
  readonly endpoint: PostgresServerEndpoint;
  readonly tenants: PostgresTenants;

  constructor(name: string, args: PostgresServerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:in-cluster:Postgres", name, {}, opts);
    const admin = new random.RandomPassword(
      `${name}-admin-password`,
      { length: 32, special: false },
      { parent: this },
    );
    const adminSecret = new k8s.core.v1.Secret(
      `${name}-admin`,
      {
        metadata: { namespace: args.namespace, labels: objectLabels(args.name, "database") },
        type: "Opaque",
        stringData: { password: admin.result },
      },
      { parent: this },
    );

    const image = args.image ?? images.postgres;
    const run = writablePath("run", "/var/run/postgresql");
    const server = statefulServer(
      {
        name: args.name,
        containerName: "postgres",
        namespace: args.namespace,
        component: "database",
        image,
        args: [
          "-c",
          "max_connections=200",
          "-c",
          "shared_buffers=128MB",
          "-c",
          "log_min_duration_statement=1000",
        ],
        env: [
          { name: "POSTGRES_USER", value: "postgres" },
          {
            name: "POSTGRES_PASSWORD",
            valueFrom: { secretKeyRef: { name: adminSecret.metadata.name, key: "password" } },
          },
          { name: "PGDATA", value: "/var/lib/postgresql/data/pgdata" },
        ],
        ports: [{ name: "postgres", port: 5432 }],
        probes: {
          startupProbe: {
            exec: { command: ["pg_isready", "-U", "postgres", "-h", "127.0.0.1"] },
            periodSeconds: 2,
            failureThreshold: 60,
          },
          readinessProbe: {
            exec: { command: ["pg_isready", "-U", "postgres", "-h", "127.0.0.1"] },
            periodSeconds: 5,
            timeoutSeconds: 3,
          },
          livenessProbe: { tcpSocket: { port: "postgres" }, periodSeconds: 10, failureThreshold: 6 },
        },
        uid: POSTGRES_UID,
        dataPath: "/var/lib/postgresql/data",
        persistence: args.persistence,
        volumes: [run],
        resources: fixedResources(100, 512, args.requestScale),
        clients: [podsOfServices(args.tenants), podsOfServices([args.name])],
        ...(args.scrapedFrom
          ? {
              metrics: {
                port: 9187,
                scrapedFrom: args.scrapedFrom,
                exporter: {
                  image: images.postgresExporter,
                  env: [
                    { name: "DATA_SOURCE_URI", value: "127.0.0.1:5432/postgres?sslmode=disable" },
                    { name: "DATA_SOURCE_USER", value: "postgres" },
                    {
                      name: "DATA_SOURCE_PASS",
                      valueFrom: { secretKeyRef: { name: adminSecret.metadata.name, key: "password" } },
                    },
                  ],
                  resources: fixedResources(20, 64, args.requestScale),
                },
              },
            }
          : {}),
        parent: this,
      },
      args.namespace,
    );

    this.endpoint = {
      name: args.name,
      host: server.host,
      port: 5432,
      version: MAJOR_VERSION,
      sslMode: "disable",
      adminUser: "postgres",
      adminSecretName: adminSecret.metadata.name,
      ready: [server.statefulSet, server.service],
      egress: server.path,
    };
    this.tenants = new PostgresTenants(
      `${name}-tenants`,
      {
        server: this.endpoint,
        namespace: args.namespace,
        tenants: args.tenants,
        image,
        requestScale: args.requestScale,
      },
      { parent: this },
    );
    this.registerOutputs({ host: server.host });
  }
}
