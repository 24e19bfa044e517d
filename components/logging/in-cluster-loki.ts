import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { stringify } from "yaml";
import { type Persistence, statefulServer } from "../in-cluster/stateful-server";
import { shortHash } from "../kube/hash";
import { objectLabels, selectorLabels } from "../kube/labels";
import { namespacePeer } from "../kube/network";
import { fixedResources, type RequestScale } from "../kube/resources";
import { loggingImages } from "./images";
import { LOG_SHIPPER_NAME } from "./log-shipper";
import type { LokiStore } from "./types";

// Loki in monolithic mode with its chunks on a local volume: the laptop and CI log store. The
// Azure profile runs the same Loki from its Helm chart with chunks in Blob Storage.

const LOKI_UID = 10_001;
export const LOKI_PORT = 3100;

export function lokiConfig(retentionHours: number): Record<string, unknown> {
  return {
    auth_enabled: false,
    server: { http_listen_port: LOKI_PORT, grpc_listen_port: 9095, log_level: "warn" },
    common: {
      instance_addr: "127.0.0.1",
      path_prefix: "/var/loki",
      replication_factor: 1,
      ring: { kvstore: { store: "inmemory" } },
      storage: { filesystem: { chunks_directory: "/var/loki/chunks", rules_directory: "/var/loki/rules" } },
    },
    schema_config: {
      configs: [
        {
          from: "2024-01-01",
          store: "tsdb",
          object_store: "filesystem",
          schema: "v13",
          index: { prefix: "index_", period: "24h" },
        },
      ],
    },
    limits_config: {
      retention_period: `${retentionHours}h`,
      reject_old_samples: true,
      reject_old_samples_max_age: `${retentionHours}h`,
    },
    compactor: {
      working_directory: "/var/loki/compactor",
      retention_enabled: true,
      delete_request_store: "filesystem",
    },
    analytics: { reporting_enabled: false },
  };
}

export interface InClusterLokiArgs {
  namespace: string;
  retentionHours: number;
  persistence: Persistence;
  /** Namespace of Grafana/Prometheus, allowed to query. */
  monitoringNamespace: string;
  /** The image to run. @default the pinned upstream image (`loggingImages.loki`, images.ts) */
  image?: string;
  /**
   * The stack's `platform:requestScale`: a factor on the CPU and memory requests of Loki's container;
   * limits unchanged.
   * @default 1 (requests as sized)
   */
  requestScale?: RequestScale;
}

export class InClusterLoki extends pulumi.ComponentResource {
  readonly store: LokiStore;

  constructor(name: string, args: InClusterLokiArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:logging:InClusterLoki", name, {}, opts);
    const configText = stringify(lokiConfig(args.retentionHours));
    const config = new k8s.core.v1.ConfigMap(
      `${name}-config`,
      {
        metadata: { namespace: args.namespace, labels: objectLabels("loki", "log-store") },
        data: { "loki.yaml": configText },
      },
      { parent: this },
    );
    const server = statefulServer(
      {
        name: "loki",
        containerName: "loki",
        namespace: args.namespace,
        component: "log-store",
        image: args.image ?? loggingImages.loki,
        args: ["-config.file=/etc/loki/loki.yaml", "-target=all"],
        ports: [{ name: "http", port: LOKI_PORT }],
        probes: {
          readinessProbe: { httpGet: { path: "/ready", port: "http" }, periodSeconds: 10, timeoutSeconds: 3 },
          livenessProbe: {
            httpGet: { path: "/metrics", port: "http" },
            periodSeconds: 20,
            failureThreshold: 6,
          },
          startupProbe: {
            httpGet: { path: "/metrics", port: "http" },
            periodSeconds: 5,
            failureThreshold: 24,
          },
        },
        uid: LOKI_UID,
        dataPath: "/var/loki",
        persistence: args.persistence,
        volumes: [
          {
            volume: { name: "config", configMap: { name: config.metadata.name } },
            mount: { name: "config", mountPath: "/etc/loki", readOnly: true },
          },
        ],
        resources: fixedResources(100, 512, args.requestScale),
        clients: [
          { podSelector: { matchLabels: selectorLabels(LOG_SHIPPER_NAME, "log-shipper") } },
          namespacePeer(args.monitoringNamespace),
        ],
        podAnnotations: { "platform.internal/config-hash": shortHash(configText) },
        parent: this,
      },
      args.namespace,
    );
    const base = `http://${server.host}:${LOKI_PORT}`;
    this.store = { pushUrl: `${base}/loki/api/v1/push`, queryUrl: base, path: server.path };
    this.registerOutputs({ queryUrl: base });
  }
}
