import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { LoadedConfig } from "./config/load";

// How the program reaches an existing cluster: the runner's kube context (laptop, CI runner with
// a kubeconfig), a kubeconfig kept as a stack secret, or the kubeconfig output of the stack that
// owns the cluster (a shared cluster for ephemeral stacks).

export type ClusterConnection = Pick<k8s.ProviderArgs, "kubeconfig" | "context" | "deleteUnreachable">;

export function existingClusterConnection(loaded: LoadedConfig): ClusterConnection {
  const cluster = loaded.config.cluster;
  switch (cluster.source) {
    case "context":
      return cluster.context ? { context: cluster.context } : {};
    case "kubeconfig":
      return { kubeconfig: loaded.kubeconfig };
    case "stack-reference": {
      const owner = new pulumi.StackReference(cluster.stack);
      return { kubeconfig: pulumi.secret(owner.requireOutput(cluster.output).apply(String)) };
    }
    case "aks":
      throw new Error("internal: the aks cluster source is handled by the azure profile");
  }
}

export function clusterProvider(
  name: string,
  connection: ClusterConnection,
  opts?: pulumi.CustomResourceOptions,
): k8s.Provider {
  // deleteUnreachable by default: a stack whose cluster is gone (an ephemeral CI cluster) can still
  // be destroyed. A connection turns it off (production: an unreachable API server must fail the
  // update, not drop every object from the state).
  return new k8s.Provider(name, { deleteUnreachable: true, ...connection }, opts);
}
