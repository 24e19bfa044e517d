import { LOKI_CHART } from "./azure-loki";
import { addonVersions, CERT_MANAGER_NAMESPACE } from "./cluster-addons";

// Two stacks can share one AKS cluster (dev attaches to staging's). Every object a stack creates
// at cluster scope must then be the stack's own (its name derived from the stack's namespace),
// or installed by the cluster's owner only (cert-manager, the RabbitMQ operator); otherwise both
// stacks claim the same object and the second `pulumi up` fails, or a `pulumi destroy` of one
// removes the other's. The offline plan renders no chart, so each chart and manifest the Azure
// profile installs declares here what it creates at cluster scope for the values it is given;
// test/azure/cluster-scope.test.ts compares what two stacks sharing a cluster would create.

export interface ClusterScopedObject {
  kind: string;
  name: string;
}

export interface Footprint {
  /** `stack`: every stack installs it; `cluster`: only the stack that owns the cluster does. */
  installedBy: "stack" | "cluster";
  clusterScoped: ClusterScopedObject[];
}

/** Kinds the Kubernetes API serves without a namespace (the ones a platform may create). */
export const CLUSTER_SCOPED_KINDS = new Set([
  "Namespace",
  "ClusterRole",
  "ClusterRoleBinding",
  "CustomResourceDefinition",
  "MutatingWebhookConfiguration",
  "ValidatingWebhookConfiguration",
  "ValidatingAdmissionPolicy",
  "ValidatingAdmissionPolicyBinding",
  "APIService",
  "StorageClass",
  "PersistentVolume",
  "PriorityClass",
  "RuntimeClass",
  "IngressClass",
  "GatewayClass",
  "CSIDriver",
  "ClusterIssuer",
]);

type Values = Record<string, unknown>;

/** The Loki chart's cluster-scoped objects: its ClusterRole and binding unless RBAC is namespaced. */
function lokiFootprint(release: string, values: Values): Footprint {
  const rbac = (values.rbac ?? {}) as { create?: boolean; namespaced?: boolean };
  const clusterWide = rbac.create !== false && rbac.namespaced !== true;
  return {
    installedBy: "stack",
    clusterScoped: clusterWide
      ? [
          { kind: "ClusterRole", name: `${release}-clusterrole` },
          { kind: "ClusterRoleBinding", name: `${release}-clusterrolebinding` },
        ]
      : [],
  };
}

/** cert-manager's CRDs, ClusterRoles and webhooks: once per cluster, in its own namespace. */
function certManagerFootprint(release: string): Footprint {
  return {
    installedBy: "cluster",
    clusterScoped: [
      { kind: "Namespace", name: CERT_MANAGER_NAMESPACE },
      { kind: "ValidatingWebhookConfiguration", name: `${release}-webhook` },
      { kind: "MutatingWebhookConfiguration", name: `${release}-webhook` },
      { kind: "CustomResourceDefinition", name: "certificates.cert-manager.io" },
      { kind: "ClusterRole", name: `${release}-controller-certificates` },
    ],
  };
}

/** The RabbitMQ Cluster Operator's manifest: its namespace, CRDs and ClusterRole, once per cluster. */
function rabbitmqOperatorFootprint(): Footprint {
  return {
    installedBy: "cluster",
    clusterScoped: [
      { kind: "Namespace", name: "rabbitmq-system" },
      { kind: "CustomResourceDefinition", name: "rabbitmqclusters.rabbitmq.com" },
      { kind: "ClusterRole", name: "rabbitmq-cluster-operator-role" },
      { kind: "ClusterRoleBinding", name: "rabbitmq-cluster-operator-rolebinding" },
    ],
  };
}

/** The footprint of a Helm chart by chart reference, or undefined for a chart nobody declared. */
export function chartFootprint(chart: string, release: string, values: Values): Footprint | undefined {
  if (chart === LOKI_CHART.chart) return lokiFootprint(release, values);
  if (chart.endsWith("/cert-manager")) return certManagerFootprint(release);
  return undefined;
}

/** The footprint of a plain manifest by its URL, or undefined for a manifest nobody declared. */
export function manifestFootprint(file: string): Footprint | undefined {
  if (
    file.includes(`/rabbitmq/cluster-operator/releases/download/${addonVersions.rabbitmqClusterOperator}/`)
  ) {
    return rabbitmqOperatorFootprint();
  }
  return undefined;
}
