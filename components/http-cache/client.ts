import type * as k8s from "@pulumi/kubernetes";
import { clusterHost } from "../kube/cluster-dns";
import { selectorLabels } from "../kube/labels";
import { CACHE_PURGE_PORT, HTTP_CACHE_NAME, HTTP_CACHE_PURGE_SERVICE } from "./ports";

// What a service needs to know about the cache tier: where to purge (environment) and which pods
// to open its network policy to. Derived from the namespace alone, so no service waits on the tier.

export interface HttpCacheClient {
  pods: k8s.types.input.networking.v1.NetworkPolicyPeer;
  /** Headless Service name: resolves to every cache pod (purge each one). */
  purgeHost: string;
  purgePort: number;
}

export function httpCacheClient(namespace: string): HttpCacheClient {
  return {
    pods: { podSelector: { matchLabels: selectorLabels(HTTP_CACHE_NAME, "http-cache") } },
    purgeHost: clusterHost(HTTP_CACHE_PURGE_SERVICE, namespace),
    purgePort: CACHE_PURGE_PORT,
  };
}

/** The variables the app reads to purge (docs/runtime-contract.md). */
export function purgeEnv(client: HttpCacheClient): Record<string, string> {
  return {
    APP__HTTP_CACHE__PURGE_HOST: client.purgeHost,
    APP__HTTP_CACHE__PURGE_PORT: String(client.purgePort),
  };
}
