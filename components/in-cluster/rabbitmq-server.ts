import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { MessagingSpec } from "../../infra/catalog/types";
import { rabbitDefinitions, rabbitPasswordHash } from "../backing/rabbitmq-definitions";
import { objectLabels } from "../kube/labels";
import { podsOfServices } from "../kube/network";
import { fixedResources } from "../kube/resources";
import { images } from "./images";
import { type Persistence, type Server, statefulServer } from "./stateful-server";

// RabbitMQ in the cluster, started with the whole topology as a definitions file: the image at
// the commit under test carries exactly the exchanges and queues the catalog declares.

const RABBITMQ_UID = 999;

export interface RabbitMqServerArgs {
  name: string;
  namespace: string;
  tenants: ReadonlyArray<{ service: string; messaging: MessagingSpec }>;
  persistence: Persistence;
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
    const credential = (who: string) => ({
      password: new random.RandomPassword(
        `${name}-${who}-password`,
        { length: 32, special: false },
        { parent: this },
      ).result,
      // A stable salt keeps the definitions file, and so the pod, unchanged between runs.
      salt: new random.RandomBytes(`${name}-${who}-salt`, { length: 4 }, { parent: this }).base64,
    });
    const admin = credential("admin");
    const tenants = args.tenants.map((t) => ({ ...t, ...credential(t.service) }));

    const definitions = pulumi.secret(
      pulumi
        .all([admin.password, admin.salt, pulumi.all(tenants.map((t) => pulumi.all([t.password, t.salt])))])
        .apply(([adminPassword, adminSalt, tenantSecrets]) =>
          JSON.stringify(
            rabbitDefinitions(
              tenants.map((t, i) => {
                const [password, salt] = tenantSecrets[i] as [string, string];
                return {
                  service: t.service,
                  messaging: t.messaging,
                  passwordHash: rabbitPasswordHash(password, Buffer.from(salt, "base64")),
                };
              }),
              {
                user: "admin",
                passwordHash: rabbitPasswordHash(adminPassword, Buffer.from(adminSalt, "base64")),
              },
            ),
            null,
            2,
          ),
        ),
    );
    const labels = objectLabels(args.name, "message-broker");
    const config = new k8s.core.v1.Secret(
      `${name}-config`,
      {
        metadata: { namespace: args.namespace, labels },
        type: "Opaque",
        stringData: {
          "rabbitmq.conf": rabbitmqConf,
          enabled_plugins: "[rabbitmq_management,rabbitmq_prometheus].\n",
          "definitions.json": definitions,
        },
      },
      { parent: this },
    );
    new k8s.core.v1.Secret(
      `${name}-admin`,
      {
        metadata: { namespace: args.namespace, labels },
        type: "Opaque",
        stringData: { username: "admin", password: admin.password },
      },
      { parent: this },
    );

    this.server = statefulServer(
      {
        name: args.name,
        containerName: "rabbitmq",
        namespace: args.namespace,
        component: "message-broker",
        image: images.rabbitmq,
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
        resources: fixedResources(200, 512),
        clients: [podsOfServices(args.tenants.map((t) => t.service))],
        parent: this,
      },
      args.namespace,
    );
    const host = this.server.host;
    this.tenants = new Map(
      tenants.map((t) => [
        t.service,
        {
          vhost: t.service,
          dsn: pulumi.secret(pulumi.interpolate`amqp://${t.service}:${t.password}@${host}:5672/${t.service}`),
        },
      ]),
    );
    this.registerOutputs({ host });
  }
}
