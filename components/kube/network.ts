import type * as k8s from "@pulumi/kubernetes";

// NetworkPolicy peers used across components, built one way.

type Peer = k8s.types.input.networking.v1.NetworkPolicyPeer;

/** The pods of these services, whatever their role (web, worker, job). */
export function podsOfServices(services: readonly string[]): Peer {
  return {
    podSelector: {
      matchExpressions: [{ key: "app.kubernetes.io/name", operator: "In", values: [...services] }],
    },
  };
}

/** Every pod of a namespace, by its immutable name label. */
export function namespacePeer(name: string): Peer {
  return { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": name } } };
}
