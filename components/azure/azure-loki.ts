import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { clusterHost } from "../kube/cluster-dns";
import { objectLabels, selectorLabels } from "../kube/labels";
import { namespacePeer } from "../kube/network";
import { pinnedChart } from "../kube/pinned-chart";
import { type RequestScale, scaledRequests } from "../kube/resources";
import { LOG_SHIPPER_NAME } from "../logging/log-shipper";
import type { LokiStore } from "../logging/types";
import type { AzureBlobStorage } from "./blob-storage";
import type { AzureFoundation } from "./foundation";
import { entraIdPath } from "./network-paths";
import { federatedIdentity } from "./workload-identity";

// Loki on AKS from its maintained upstream chart (grafana-community/helm-charts; monolithic mode),
// with chunks and the index in Blob Storage, reached with Loki's own workload identity (no
// account key). The shared LogShipper pushes to it exactly as it does in-cluster.

export const LOKI_CHART = {
  repo: "https://grafana-community.github.io/helm-charts",
  chart: "loki",
  version: "18.11.0",
} as const;
const LOKI_PORT = 3100;
export const LOKI_RELEASE = "loki";
const RELEASE = LOKI_RELEASE;

export interface AzureLokiArgs {
  namespace: string;
  retentionHours: number;
  monitoringNamespace: string;
  foundation: AzureFoundation;
  storage: AzureBlobStorage;
  containers: { chunks: string; ruler: string };
  identityName: string;
  issuer: pulumi.Input<string>;
  /** 1, or 3 with replication across them. */
  replicas: number;
  storageGi: number;
  /**
   * The stack's `platform:requestScale`: a factor on the CPU and memory requests of Loki's pods;
   * limits unchanged.
   * @default 1 (requests as sized)
   */
  requestScale?: RequestScale;
}

/** Helm values: monolithic, Azure Blob with a federated token, retention as the stack says. */
export function lokiValues(args: {
  accountName: pulumi.Input<string>;
  clientId: pulumi.Input<string>;
  containers: { chunks: string; ruler: string };
  retentionHours: number;
  replicas: number;
  storageGi: number;
  requestScale?: RequestScale;
}): Record<string, unknown> {
  const retention = `${args.retentionHours}h`;
  return {
    deploymentMode: "Monolithic",
    loki: {
      auth_enabled: false,
      server: { log_level: "warn" },
      commonConfig: { replication_factor: args.replicas },
      schemaConfig: {
        configs: [
          {
            from: "2024-01-01",
            store: "tsdb",
            object_store: "azure",
            schema: "v13",
            index: { prefix: "index_", period: "24h" },
          },
        ],
      },
      storage: {
        type: "azure",
        bucketNames: {
          chunks: args.containers.chunks,
          ruler: args.containers.ruler,
          admin: args.containers.chunks,
        },
        azure: { accountName: args.accountName, useFederatedToken: true },
      },
      limits_config: {
        retention_period: retention,
        reject_old_samples: true,
        reject_old_samples_max_age: retention,
      },
      compactor: { retention_enabled: true, delete_request_store: "azure" },
      podLabels: { "azure.workload.identity/use": "true" },
      analytics: { reporting_enabled: false },
    },
    // A Role in the stack's namespace instead of the chart's default loki-clusterrole and
    // loki-clusterrolebinding, which every stack on a shared cluster would claim.
    rbac: { create: true, namespaced: true },
    serviceAccount: {
      create: true,
      name: "loki",
      annotations: { "azure.workload.identity/client-id": args.clientId },
    },
    singleBinary: {
      replicas: args.replicas,
      persistence: { enabled: true, size: `${args.storageGi}Gi` },
      resources: {
        requests: scaledRequests({ cpuMillis: 100, memoryMiB: 512 }, args.requestScale),
        limits: { memory: "1Gi" },
      },
    },
    gateway: { enabled: false },
    chunksCache: { enabled: false },
    resultsCache: { enabled: false },
    lokiCanary: { enabled: false },
    test: { enabled: false },
    minio: { enabled: false },
    backend: { replicas: 0 },
    read: { replicas: 0 },
    write: { replicas: 0 },
  };
}

export class AzureLoki extends pulumi.ComponentResource {
  readonly store: LokiStore;

  constructor(name: string, args: AzureLokiArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:azure:Loki", name, {}, opts);
    const parent = { parent: this };
    const identity = federatedIdentity(
      name,
      {
        foundation: args.foundation,
        identityName: args.identityName,
        credentialName: "fic-loki",
        issuer: args.issuer,
        namespace: args.namespace,
        serviceAccountName: "loki",
      },
      parent,
    );
    const containers = [args.containers.chunks, args.containers.ruler].flatMap(
      (c) =>
        args.storage.container(
          c,
          c,
          [{ principalId: identity.identity.principalId, access: "read-write", who: "loki" }],
          parent,
        ).resources,
    );

    const chart = pinnedChart(
      `${name}-chart`,
      LOKI_CHART,
      {
        release: RELEASE,
        namespace: args.namespace,
        values: lokiValues({
          accountName: args.storage.accountName,
          clientId: identity.identity.clientId,
          containers: args.containers,
          retentionHours: args.retentionHours,
          replicas: args.replicas,
          storageGi: args.storageGi,
          requestScale: args.requestScale,
        }),
      },
      { ...parent, dependsOn: [...containers, identity.credential] },
    );

    const lokiPods = { "app.kubernetes.io/name": "loki", "app.kubernetes.io/instance": RELEASE };
    const self = { podSelector: { matchLabels: lokiPods } };
    new k8s.networking.v1.NetworkPolicy(
      `${name}-network`,
      {
        metadata: { name: "loki", namespace: args.namespace, labels: objectLabels("loki", "log-store") },
        spec: {
          podSelector: { matchLabels: lokiPods },
          policyTypes: ["Ingress", "Egress"],
          ingress: [
            {
              from: [
                { podSelector: { matchLabels: selectorLabels(LOG_SHIPPER_NAME, "log-shipper") } },
                namespacePeer(args.monitoringNamespace),
              ],
              ports: [{ port: LOKI_PORT, protocol: "TCP" }],
            },
            // Memberlist and gRPC between replicas.
            { from: [self] },
          ],
          egress: [
            { to: args.storage.path.peers, ports: args.storage.path.ports },
            { to: entraIdPath.peers, ports: entraIdPath.ports },
            { to: [self] },
          ],
        },
      },
      { ...parent, dependsOn: [chart] },
    );

    const base = `http://${clusterHost(RELEASE, args.namespace)}:${LOKI_PORT}`;
    this.store = {
      pushUrl: `${base}/loki/api/v1/push`,
      queryUrl: base,
      path: { name: "loki", peers: [self], ports: [{ port: LOKI_PORT, protocol: "TCP" }] },
    };
    this.registerOutputs({ queryUrl: base });
  }
}
