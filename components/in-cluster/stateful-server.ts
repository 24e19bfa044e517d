import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { NetworkPath } from "../backing/types";
import { clusterHost } from "../kube/cluster-dns";
import { type BackingComponentRole, objectLabels, selectorLabels } from "../kube/labels";
import {
  restrictedContainerSecurityContext,
  restrictedPodSecurityContext,
  writablePath,
} from "../kube/security";
import { METRICS_PORT_NAME } from "../monitoring/monitors";

// The shape every in-cluster backing server shares (PostgreSQL, Redis, RabbitMQ, Azurite, Loki):
// one StatefulSet replica from an official image, restricted security context, a ClusterIP
// Service, and a NetworkPolicy that admits only the declared clients. Each server module passes
// only what is specific to it.

export interface Persistence {
  mode: "persistent" | "ephemeral";
  /** @default - the cluster's default StorageClass (no `storageClassName` on the claim) */
  storageClass?: string;
  sizeGi: number;
}

export interface ServerArgs {
  name: string;
  containerName: string;
  namespace: pulumi.Input<string>;
  component: BackingComponentRole;
  image: string;
  /** @default - the image's ENTRYPOINT */
  command?: string[];
  /** @default - the image's CMD */
  args?: string[];
  /** @default - no environment variables beyond the image's own */
  env?: k8s.types.input.core.v1.EnvVar[];
  /** The first port is the one clients use; the others (admin UIs) are reachable by port-forward only. */
  ports: Array<{ name: string; port: number }>;
  probes: Pick<k8s.types.input.core.v1.Container, "readinessProbe" | "livenessProbe" | "startupProbe">;
  /** The image's own non-root user. */
  uid: number;
  /** Where the server keeps its data: a volume claim, or an emptyDir when ephemeral. */
  dataPath: string;
  persistence: Persistence;
  /** Read-only configuration (ConfigMap/Secret) and scratch paths. @default none: only the writable /tmp emptyDir every server gets */
  volumes?: Array<{ volume: k8s.types.input.core.v1.Volume; mount: k8s.types.input.core.v1.VolumeMount }>;
  resources: k8s.types.input.core.v1.ResourceRequirements;
  /** Who may connect (the namespace's default-deny closes the rest). */
  clients: k8s.types.input.networking.v1.NetworkPolicyPeer[];
  /** Extra egress the server itself needs (none for most). @default none: no egress of its own */
  egress?: k8s.types.input.networking.v1.NetworkPolicyEgressRule[];
  /**
   * Checksums of mounted configuration, so a change rolls the pod.
   * @default - no pod annotations
   */
  podAnnotations?: Record<string, pulumi.Input<string>>;
  /**
   * Prometheus metrics: the server's own port, or an exporter sidecar that reads it on localhost.
   * @default - no metrics port opened and no exporter sidecar (monitoring off)
   */
  metrics?: ServerMetrics;
  parent: pulumi.Resource;
  /** @default - no dependencies beyond `parent` */
  dependsOn?: pulumi.Resource[];
}

export interface ServerMetrics {
  port: number;
  /** Who may scrape (the monitoring namespace). */
  scrapedFrom: k8s.types.input.networking.v1.NetworkPolicyPeer[];
  /**
   * The exporter sidecar that reads the server on localhost and serves metrics on `port`.
   * @default - no sidecar: the server itself serves metrics on `port` (RabbitMQ's prometheus plugin)
   */
  exporter?: {
    image: string;
    env?: k8s.types.input.core.v1.EnvVar[];
    args?: string[];
    resources: k8s.types.input.core.v1.ResourceRequirements;
  };
}

export interface Server {
  statefulSet: k8s.apps.v1.StatefulSet;
  service: k8s.core.v1.Service;
  host: string;
  /** The path clients add to their egress. */
  path: NetworkPath;
}

export function statefulServer(args: ServerArgs, namespaceName: string): Server {
  const selector = selectorLabels(args.name, args.component);
  const labels = objectLabels(args.name, args.component);
  const data = "data";
  const ephemeral = args.persistence.mode === "ephemeral";
  const tmp = writablePath("tmp", "/tmp");
  const volumes = [tmp, ...(args.volumes ?? [])];
  const opts = { parent: args.parent, ...(args.dependsOn ? { dependsOn: args.dependsOn } : {}) };
  const clientPort = args.ports[0];
  if (!clientPort) throw new Error(`internal: server ${args.name} declares no port`);
  const metrics = args.metrics;
  const metricsPort = metrics
    ? [{ name: METRICS_PORT_NAME, containerPort: metrics.port, protocol: "TCP" }]
    : [];
  const exporter = metrics?.exporter
    ? [
        {
          name: "exporter",
          image: metrics.exporter.image,
          imagePullPolicy: "IfNotPresent",
          ...(metrics.exporter.args ? { args: metrics.exporter.args } : {}),
          ...(metrics.exporter.env ? { env: metrics.exporter.env } : {}),
          ports: metricsPort,
          resources: metrics.exporter.resources,
          securityContext: restrictedContainerSecurityContext(),
          readinessProbe: {
            httpGet: { path: "/metrics", port: METRICS_PORT_NAME },
            periodSeconds: 15,
            timeoutSeconds: 5,
          },
        },
      ]
    : [];

  const statefulSet = new k8s.apps.v1.StatefulSet(
    `${args.name}-server`,
    {
      metadata: { name: args.name, namespace: args.namespace, labels },
      spec: {
        serviceName: args.name,
        replicas: 1,
        selector: { matchLabels: selector },
        template: {
          metadata: { labels, ...(args.podAnnotations ? { annotations: args.podAnnotations } : {}) },
          spec: {
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            securityContext: restrictedPodSecurityContext({
              runAsUser: args.uid,
              runAsGroup: args.uid,
              fsGroup: args.uid,
            }),
            terminationGracePeriodSeconds: 30,
            containers: [
              {
                name: args.containerName,
                image: args.image,
                imagePullPolicy: "IfNotPresent",
                ...(args.command ? { command: args.command } : {}),
                ...(args.args ? { args: args.args } : {}),
                ...(args.env ? { env: args.env } : {}),
                ports: [
                  ...args.ports.map((p) => ({ name: p.name, containerPort: p.port, protocol: "TCP" })),
                  ...(metrics && !metrics.exporter ? metricsPort : []),
                ],
                resources: args.resources,
                securityContext: restrictedContainerSecurityContext(),
                volumeMounts: [{ name: data, mountPath: args.dataPath }, ...volumes.map((v) => v.mount)],
                ...args.probes,
              },
              ...exporter,
            ],
            volumes: [
              ...(ephemeral ? [{ name: data, emptyDir: { sizeLimit: `${args.persistence.sizeGi}Gi` } }] : []),
              ...volumes.map((v) => v.volume),
            ],
          },
        },
        ...(ephemeral
          ? {}
          : {
              volumeClaimTemplates: [
                {
                  metadata: { name: data },
                  spec: {
                    accessModes: ["ReadWriteOnce"],
                    ...(args.persistence.storageClass
                      ? { storageClassName: args.persistence.storageClass }
                      : {}),
                    resources: { requests: { storage: `${args.persistence.sizeGi}Gi` } },
                  },
                },
              ],
            }),
      },
    },
    opts,
  );

  const service = new k8s.core.v1.Service(
    `${args.name}-service`,
    {
      metadata: { name: args.name, namespace: args.namespace, labels },
      spec: {
        type: "ClusterIP",
        selector,
        ports: args.ports.map((p) => ({ name: p.name, port: p.port, targetPort: p.name, protocol: "TCP" })),
      },
    },
    { parent: args.parent },
  );

  new k8s.networking.v1.NetworkPolicy(
    `${args.name}-network`,
    {
      metadata: { name: args.name, namespace: args.namespace, labels },
      spec: {
        podSelector: { matchLabels: selector },
        policyTypes: ["Ingress", "Egress"],
        ingress: [
          ...(args.clients.length > 0
            ? [{ from: args.clients, ports: [{ port: clientPort.port, protocol: "TCP" }] }]
            : []),
          ...(metrics
            ? [{ from: metrics.scrapedFrom, ports: [{ port: metrics.port, protocol: "TCP" }] }]
            : []),
        ],
        egress: args.egress ?? [],
      },
    },
    { parent: args.parent },
  );

  return {
    statefulSet,
    service,
    host: clusterHost(args.name, namespaceName),
    path: {
      name: args.name,
      peers: [{ podSelector: { matchLabels: selector } }],
      ports: [{ port: clientPort.port, protocol: "TCP" }],
    },
  };
}
