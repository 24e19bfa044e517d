import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { objectLabels, selectorLabels } from "../kube/labels";
import { namespacePeer, podsOfServices } from "../kube/network";
import { CACHE_HTTP_PORT, CACHE_METRICS_PORT, CACHE_PURGE_PORT, HTTP_CACHE_NAME } from "./ports";

// gateway -> cache -> service. Cached traffic only from where the gateway's pods run; the purge
// listener only from the platform's own services (never from outside, so nobody can empty the
// cache); the exporter's metrics only from the monitoring namespace; out only to the services the
// cache fronts. The namespace's default-deny closes the rest.

type Rule = k8s.types.input.networking.v1.NetworkPolicyIngressRule;
type Peer = k8s.types.input.networking.v1.NetworkPolicyPeer;

export interface CacheNetworkArgs {
  namespace: string;
  gateway: { namespaces: string[]; cidrs: string[] };
  /** Every service of the platform: the only pods that may purge. */
  purgeClients: readonly string[];
  /**
   * The namespace whose Prometheus scrapes the exporter sidecar.
   * @default - no sidecar, and no ingress to the metrics port (monitoring off)
   */
  scrapedFrom?: string;
  /** The services behind cached routes, and their HTTP port. */
  backends: readonly string[];
  backendPort: number;
  parent: pulumi.Resource;
}

const tcp = (port: number) => ({ port, protocol: "TCP" });

export function cacheIngressRules(
  args: Pick<CacheNetworkArgs, "gateway" | "purgeClients" | "scrapedFrom">,
): Rule[] {
  const rules: Rule[] = [];
  const gateway: Peer[] = [
    ...args.gateway.namespaces.map(namespacePeer),
    ...args.gateway.cidrs.map((cidr) => ({ ipBlock: { cidr } })),
  ];
  if (gateway.length > 0) rules.push({ from: gateway, ports: [tcp(CACHE_HTTP_PORT)] });
  if (args.purgeClients.length > 0)
    rules.push({ from: [podsOfServices(args.purgeClients)], ports: [tcp(CACHE_PURGE_PORT)] });
  if (args.scrapedFrom)
    rules.push({ from: [namespacePeer(args.scrapedFrom)], ports: [tcp(CACHE_METRICS_PORT)] });
  return rules;
}

export function cacheNetworkPolicy(args: CacheNetworkArgs): k8s.networking.v1.NetworkPolicy {
  return new k8s.networking.v1.NetworkPolicy(
    `${HTTP_CACHE_NAME}-network`,
    {
      metadata: {
        name: HTTP_CACHE_NAME,
        namespace: args.namespace,
        labels: objectLabels(HTTP_CACHE_NAME, "http-cache"),
      },
      spec: {
        podSelector: { matchLabels: selectorLabels(HTTP_CACHE_NAME, "http-cache") },
        policyTypes: ["Ingress", "Egress"],
        ingress: cacheIngressRules(args),
        egress:
          args.backends.length > 0
            ? [{ to: [podsOfServices(args.backends)], ports: [tcp(args.backendPort)] }]
            : [],
      },
    },
    { parent: args.parent },
  );
}
