// The in-cluster DNS name of a Service: the one place it is spelled out.

/** `content`, `platform` -> `content.platform.svc.cluster.local`. */
export function clusterHost(service: string, namespace: string): string {
  return `${service}.${namespace}.svc.cluster.local`;
}
