import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { images } from "../backing/images";
import { rabbitUsers } from "../backing/rabbitmq-users";
import type { NetworkPath, PodAdditions } from "../backing/types";
import { clusterHost } from "../kube/cluster-dns";
import { shortHash } from "../kube/hash";
import { objectLabels } from "../kube/labels";
import { namespacePeer, podsOfServices } from "../kube/network";
import { fixedResources, type RequestScale } from "../kube/resources";
import { restrictedContainerSecurityContext } from "../kube/security";
import type { MessagingSpec } from "../service/spec";

// RabbitMQ on AKS (Azure has no managed RabbitMQ), run by its official Cluster Operator: a
// RabbitmqCluster with persistent volumes, a PodDisruptionBudget, zone spread when the stack has
// zones, TLS only (certificates from cert-manager), and the topology every service declares in
// the catalog loaded at boot from a definitions Secret: a vhost and a user per service.

export const AMQPS_PORT = 5671;
const PROMETHEUS_TLS_PORT = 15691;
/** Where services find the CA that signed the broker's certificate (Symfony's amqps DSN needs `cacert`). */
export const RABBITMQ_CA_DIR = "/etc/platform/tls/rabbitmq";

export interface OperatorRabbitMqArgs {
  /** The RabbitmqCluster's name: its client Service and pod label. */
  name: string;
  namespace: string;
  tenants: ReadonlyArray<{ service: string; messaging: MessagingSpec }>;
  replicas: number;
  storageGi: number;
  /** @default - the cluster's default StorageClass (no `storageClassName` on the claims) */
  storageClass?: string;
  cpuMillis: number;
  memoryMiB: number;
  /** Spread the nodes over availability zones (the stack has zones). */
  zoneSpread: boolean;
  monitoringNamespace: string;
  /** The operator and cert-manager must exist before their custom resources. */
  dependsOn: pulumi.Resource[];
  /**
   * The stack's `platform:requestScale`: a factor on the CPU and memory requests of the RabbitMQ nodes;
   * limits unchanged.
   * @default 1 (requests as sized)
   */
  requestScale?: RequestScale;
}

export interface RabbitTenant {
  vhost: string;
  /** `amqps://<service>:<password>@<host>:5671/<vhost>?cacert=...`, a Pulumi secret. */
  dsn: pulumi.Output<string>;
}

export class OperatorRabbitMq extends pulumi.ComponentResource {
  readonly tenants: ReadonlyMap<string, RabbitTenant>;
  readonly host: string;
  readonly path: NetworkPath;
  /** The CA certificate (only `ca.crt`, never the key) mounted read-only in client pods. */
  readonly caMount: PodAdditions;
  readonly cluster: k8s.apiextensions.CustomResource;

  constructor(name: string, args: OperatorRabbitMqArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:azure:OperatorRabbitMq", name, {}, opts);
    const parent = { parent: this };
    const ns = args.namespace;
    const labels = objectLabels(args.name, "message-broker");
    this.host = clusterHost(args.name, ns);
    const podLabel = { "app.kubernetes.io/name": args.name };

    const users = rabbitUsers(name, args.tenants, this);
    const definitionsSecret = new k8s.core.v1.Secret(
      `${name}-definitions`,
      {
        metadata: { namespace: ns, labels },
        type: "Opaque",
        stringData: { "definitions.json": users.definitions },
      },
      parent,
    );
    new k8s.core.v1.Secret(
      `${name}-admin`,
      {
        metadata: { name: `${args.name}-admin`, namespace: ns, labels },
        type: "Opaque",
        stringData: { username: "admin", password: users.adminPassword },
      },
      parent,
    );

    // TLS: a CA of the broker's own (self-signed root in a Secret only cert-manager reads), and a
    // server certificate for the client Service and every node, renewed by cert-manager.
    const certManager = (
      suffix: string,
      kind: "Issuer" | "Certificate",
      spec: Record<string, unknown>,
      after: pulumi.Resource[],
    ) =>
      new k8s.apiextensions.CustomResource(
        `${name}-${suffix}`,
        {
          apiVersion: "cert-manager.io/v1",
          kind,
          metadata: { name: `${args.name}-${suffix}`, namespace: ns, labels },
          spec,
        },
        { ...parent, dependsOn: after },
      );
    const selfSigned = certManager("selfsigned", "Issuer", { selfSigned: {} }, args.dependsOn);
    const caSecret = `${args.name}-ca`;
    const ca = certManager(
      "ca",
      "Certificate",
      {
        isCA: true,
        commonName: `${args.name}-ca`,
        secretName: caSecret,
        duration: "87600h",
        privateKey: { algorithm: "ECDSA", size: 256 },
        issuerRef: { name: `${args.name}-selfsigned`, kind: "Issuer", group: "cert-manager.io" },
      },
      [selfSigned],
    );
    const caIssuer = certManager("ca-issuer", "Issuer", { ca: { secretName: caSecret } }, [ca]);
    const tlsSecret = `${args.name}-tls`;
    const serverCertificate = certManager(
      "tls",
      "Certificate",
      {
        secretName: tlsSecret,
        duration: "2160h",
        renewBefore: "360h",
        privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy: "Always" },
        dnsNames: [
          this.host,
          `${args.name}.${ns}.svc`,
          `*.${clusterHost(`${args.name}-nodes`, ns)}`,
          `*.${args.name}-nodes.${ns}.svc`,
        ],
        issuerRef: { name: `${args.name}-ca-issuer`, kind: "Issuer", group: "cert-manager.io" },
      },
      [caIssuer],
    );

    const restricted = restrictedContainerSecurityContext({ readOnlyRootFilesystem: false });
    const zoneSpread = args.zoneSpread
      ? {
          topologySpreadConstraints: [
            {
              maxSkew: 1,
              topologyKey: "topology.kubernetes.io/zone",
              whenUnsatisfiable: "DoNotSchedule",
              labelSelector: { matchLabels: podLabel },
            },
          ],
        }
      : {};
    this.cluster = new k8s.apiextensions.CustomResource(
      `${name}-cluster`,
      {
        apiVersion: "rabbitmq.com/v1beta1",
        kind: "RabbitmqCluster",
        metadata: { name: args.name, namespace: ns, labels },
        spec: {
          replicas: args.replicas,
          image: images.rabbitmq,
          resources: fixedResources(args.cpuMillis, args.memoryMiB, args.requestScale),
          persistence: {
            storage: `${args.storageGi}Gi`,
            ...(args.storageClass ? { storageClassName: args.storageClass } : {}),
          },
          tls: { secretName: tlsSecret, disableNonTLSListeners: true },
          rabbitmq: {
            additionalConfig: [
              "definitions.import_backend = local_filesystem",
              "definitions.local.path = /etc/rabbitmq/definitions/definitions.json",
              "definitions.skip_if_unchanged = true",
              "cluster_partition_handling = pause_minority",
              "log.console.level = warning",
            ].join("\n"),
          },
          ...(args.replicas > 1
            ? {
                affinity: {
                  podAntiAffinity: {
                    preferredDuringSchedulingIgnoredDuringExecution: [
                      {
                        weight: 100,
                        podAffinityTerm: {
                          topologyKey: "kubernetes.io/hostname",
                          labelSelector: { matchLabels: podLabel },
                        },
                      },
                    ],
                  },
                },
              }
            : {}),
          override: {
            statefulSet: {
              spec: {
                template: {
                  metadata: {
                    // Definitions are read at boot: a changed topology rolls the nodes.
                    annotations: {
                      "platform.internal/topology-hash": shortHash(JSON.stringify(args.tenants)),
                    },
                  },
                  spec: {
                    // Pod Security "restricted" in the application namespace.
                    securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
                    initContainers: [{ name: "setup-container", securityContext: restricted }],
                    containers: [
                      {
                        name: "rabbitmq",
                        securityContext: restricted,
                        volumeMounts: [
                          { name: "definitions", mountPath: "/etc/rabbitmq/definitions", readOnly: true },
                        ],
                      },
                    ],
                    volumes: [
                      { name: "definitions", secret: { secretName: definitionsSecret.metadata.name } },
                    ],
                    ...zoneSpread,
                  },
                },
              },
            },
          },
        },
      },
      { ...parent, dependsOn: [...args.dependsOn, serverCertificate] },
    );

    new k8s.policy.v1.PodDisruptionBudget(
      `${name}-pdb`,
      {
        metadata: { name: args.name, namespace: ns, labels },
        spec: { maxUnavailable: 1, selector: { matchLabels: podLabel } },
      },
      parent,
    );

    const clients = podsOfServices(args.tenants.map((t) => t.service));
    const self = { podSelector: { matchLabels: podLabel } };
    new k8s.networking.v1.NetworkPolicy(
      `${name}-network`,
      {
        metadata: { name: args.name, namespace: ns, labels },
        spec: {
          podSelector: { matchLabels: podLabel },
          policyTypes: ["Ingress", "Egress"],
          ingress: [
            { from: [clients], ports: [{ port: AMQPS_PORT, protocol: "TCP" }] },
            // Clustering between nodes (epmd, distribution, CLI tools).
            { from: [self] },
            {
              from: [namespacePeer(args.monitoringNamespace)],
              ports: [{ port: PROMETHEUS_TLS_PORT, protocol: "TCP" }],
            },
          ],
          egress: [
            { to: [self] },
            // Peer discovery asks the Kubernetes API for the other nodes.
            {
              ports: [
                { port: 443, protocol: "TCP" },
                { port: 6443, protocol: "TCP" },
              ],
            },
          ],
        },
      },
      parent,
    );

    this.path = { name: "rabbitmq", peers: [self], ports: [{ port: AMQPS_PORT, protocol: "TCP" }] };
    this.caMount = {
      volumes: [
        {
          name: "rabbitmq-ca",
          secret: { secretName: tlsSecret, items: [{ key: "ca.crt", path: "ca.crt" }] },
        },
      ],
      volumeMounts: [{ name: "rabbitmq-ca", mountPath: RABBITMQ_CA_DIR, readOnly: true }],
    };
    this.tenants = new Map(
      args.tenants.map((t) => [
        t.service,
        {
          vhost: t.service,
          dsn: pulumi.secret(
            pulumi.interpolate`amqps://${t.service}:${users.passwords.get(t.service)}@${this.host}:${AMQPS_PORT}/${t.service}?cacert=${RABBITMQ_CA_DIR}/ca.crt`,
          ),
        },
      ]),
    );
    this.registerOutputs({ host: this.host });
  }
}
