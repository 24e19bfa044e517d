import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { images } from "../backing/images";
import { rabbitUsers } from "../backing/rabbitmq-users";
import { objectLabels } from "../kube/labels";
import { podsOfServices } from "../kube/network";
import { fixedResources, type RequestScale } from "../kube/resources";
import type { MessagingSpec } from "../service/spec";
import { type Persistence, type Server, statefulServer } from "./stateful-server";

// RabbitMQ in the cluster, started with the whole topology as a definitions file: the image at
// the commit under test carries exactly the exchanges and queues the catalog declares.

const RABBITMQ_UID = 999;

export interface RabbitMqServerArgs {
  name: string;
  namespace: string;
  tenants: ReadonlyArray<{ service: string; messaging: MessagingSpec }>;
  persistence: Persistence;
  /** The image to run. @default `images.rabbitmq` (images.ts) */
  image?: string;
  /**
   * Who scrapes the prometheus plugin's port (15692).
   * @default - the metrics port stays closed (monitoring off)
   */
  scrapedFrom?: k8s.types.input.networking.v1.NetworkPolicyPeer[];
  /**
   * The stack's `platform:requestScale`: a factor on the CPU and memory requests of its containers;
   * limits unchanged.
   * @default 1 (requests as sized)
   */
  requestScale?: RequestScale;
}

export interface RabbitTenantCredentials {
  vhost: string;
  /** `amqp://<service>:<password>@host:5672/<vhost>`, a Pulumi secret. */
  dsn: pulumi.Output<string>;
}

export const rabbitmqConf = [
  "listeners.tcp.default = 5672",
  "management.tcp.port = 15672",
  "prometheus.tcp.port = 15692",
  "definitions.import_backend = local_filesystem",
  "definitions.local.path = /etc/rabbitmq/definitions.json",
  "definitions.skip_if_unchanged = true",
  "log.console = true",
  "log.console.level = warning",
  "log.file = false",
  "",
].join("\n");

export class InClusterRabbitMq extends pulumi.ComponentResource {
  readonly tenants: ReadonlyMap<string, RabbitTenantCredentials>;
  readonly server: Server;

  constructor(name: string, args: RabbitMqServerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:in-cluster:RabbitMq", name, {}, opts);
    const users = rabbitUsers(name, args.tenants, this);
    const labels = objectLabels(args.name, "message-broker");
    const config = new k8s.core.v1.Secret(
      `${name}-config`,
      {
        metadata: { namespace: args.namespace, labels },
        type: "Opaque",
        stringData: {
          "rabbitmq.conf": rabbitmqConf,
          enabled_plugins: "[rabbitmq_management,rabbitmq_prometheus].\n",
          "definitions.json": users.definitions,
        },
      },
      { parent: this },
    );
    new k8s.core.v1.Secret(
      `${name}-admin`,
      {
        metadata: { namespace: args.namespace, labels },
        type: "Opaque",
        stringData: { username: "admin", password: users.adminPassword },
      },
      { parent: this },
    );

    this.server = statefulServer(
      {
        name: args.name,
        containerName: "rabbitmq",
        namespace: args.namespace,
        component: "message-broker",
        image: args.image ?? images.rabbitmq,
        env: [{ name: "RABBITMQ_CONFIG_FILES", value: "/etc/rabbitmq/rabbitmq.conf" }],
        ports: [
          { name: "amqp", port: 5672 },
          { name: "management", port: 15672 },
        ],
        probes: {
          startupProbe: {
            exec: { command: ["rabbitmq-diagnostics", "-q", "ping"] },
            periodSeconds: 5,
            timeoutSeconds: 10,
            failureThreshold: 30,
          },
          readinessProbe: {
            exec: { command: ["rabbitmq-diagnostics", "-q", "check_port_connectivity"] },
            periodSeconds: 15,
            timeoutSeconds: 10,
          },
          livenessProbe: { tcpSocket: { port: "amqp" }, periodSeconds: 20, failureThreshold: 6 },
        },
        uid: RABBITMQ_UID,
        dataPath: "/var/lib/rabbitmq",
        persistence: args.persistence,
        volumes: [
          {
            volume: { name: "config", secret: { secretName: config.metadata.name } },
            mount: { name: "config", mountPath: "/etc/rabbitmq", readOnly: true },
          },
        ],
        resources: fixedResources(200, 512, args.requestScale),
        clients: [podsOfServices(args.tenants.map((t) => t.service))],
        ...(args.scrapedFrom ? { metrics: { port: 15692, scrapedFrom: args.scrapedFrom } } : {}),
        parent: this,
      },
      args.namespace,
    );
    const host = this.server.host;
    this.tenants = new Map(
      args.tenants.map((t) => [
        t.service,
        {
          vhost: t.service,
          dsn: pulumi.secret(
            pulumi.interpolate`amqp://${t.service}:${users.passwords.get(t.service)}@${host}:5672/${t.service}`,
          ),
        },
      ]),
    );
    this.registerOutputs({ host });
  }
}
