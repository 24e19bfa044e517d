import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { pinnedChart } from "../kube/pinned-chart";

// Cluster-wide operators the Azure profile relies on, installed once per cluster from their
// upstream releases, pinned: cert-manager (issues RabbitMQ's TLS certificates) and the RabbitMQ
// Cluster Operator (Azure has no managed RabbitMQ). A stack that attaches to a cluster where
// another stack installed them leaves them alone.
//
// Order on a new cluster: the operator's manifest holds cert-manager kinds and webhooks, so it
// waits for the cert-manager chart, and the chart counts as ready only once cert-manager's own
// API check has passed: the startupapicheck Job (a Helm hook that Pulumi applies as an ordinary
// Job) creates a dry-run Certificate through the webhook and completes only when the webhook
// answers; `pulumi.com/waitFor` makes Pulumi wait for that completion.

export const addonVersions = {
  certManagerChart: "v1.19.2",
  rabbitmqClusterOperator: "v2.22.3",
} as const;

export const CERT_MANAGER_NAMESPACE = "cert-manager";

/** cert-manager's chart values: CRDs kept on uninstall, and the API check Pulumi waits for. */
export function certManagerValues(): Record<string, unknown> {
  return {
    crds: { enabled: true, keep: true },
    startupapicheck: {
      enabled: true,
      timeout: "5m",
      backoffLimit: 10,
      // Replaces the Helm hook annotations: Pulumi applies hooks as ordinary objects.
      jobAnnotations: { "pulumi.com/waitFor": "condition=Complete" },
    },
  };
}

export function rabbitmqOperatorManifest(version: string = addonVersions.rabbitmqClusterOperator): string {
  return `https://github.com/rabbitmq/cluster-operator/releases/download/${version}/cluster-operator.yml`;
}

export interface ClusterAddonsArgs {
  certManager: boolean;
  rabbitmqOperator: boolean;
}

export class ClusterAddons extends pulumi.ComponentResource {
  /** What custom resources of these operators must wait for (empty when they are not ours). */
  readonly ready: pulumi.Resource[] = [];

  constructor(name: string, args: ClusterAddonsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:azure:ClusterAddons", name, {}, opts);
    const parent = { parent: this };
    if (args.certManager) {
      const namespace = new k8s.core.v1.Namespace(
        `${name}-cert-manager-namespace`,
        {
          metadata: {
            name: CERT_MANAGER_NAMESPACE,
            labels: {
              "app.kubernetes.io/managed-by": "pulumi",
              "pod-security.kubernetes.io/enforce": "restricted",
            },
          },
        },
        parent,
      );
      this.ready.push(
        pinnedChart(
          `${name}-cert-manager`,
          { chart: "oci://quay.io/jetstack/charts/cert-manager", version: addonVersions.certManagerChart },
          { release: "cert-manager", namespace: CERT_MANAGER_NAMESPACE, values: certManagerValues() },
          { ...parent, dependsOn: [namespace] },
        ),
      );
    }
    if (args.rabbitmqOperator) {
      // After cert-manager when this stack installs it (otherwise the cluster already runs it).
      const certManager = [...this.ready];
      this.ready.push(
        new k8s.yaml.v2.ConfigFile(
          `${name}-rabbitmq-operator`,
          { file: rabbitmqOperatorManifest() },
          { ...parent, dependsOn: certManager },
        ),
      );
    }
    this.registerOutputs({});
  }
}
