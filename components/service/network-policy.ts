import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { NetworkPath } from "../backing/types";
import { serviceLabels } from "../kube/labels";
import { namespacePeer, podsOfServices } from "../kube/network";
import { HTTP_PORT } from "./environment";

// The dependency graph, enforced: a service accepts calls only from the services that declare it
// (and from the gateway when it has public routes), and calls out only to what it declares. The
// namespace's default-deny policy closes everything else.

export interface ServiceNetworkArgs {
  service: string;
  namespace: string;
  dependsOn: readonly string[];
  dependents: readonly string[];
  /** Routes the gateway sends straight to the service (not through the cache tier). */
  publicRoutes: boolean;
  /**
   * The HTTP cache tier: its pods, and whether it fronts this service (cached routes).
   * @default - no cache tier: no ingress from it and no egress to its purge port
   */
  httpCache?: HttpCachePeer;
  gateway: { namespaces: string[]; cidrs: string[] };
  monitoringNamespace: string;
  backing: NetworkPath[];
  parent: pulumi.Resource;
}

export interface HttpCachePeer {
  pods: Peer;
  purgePort: number;
  fronts: boolean;
}

type Rule = k8s.types.input.networking.v1.NetworkPolicyIngressRule;
type Peer = k8s.types.input.networking.v1.NetworkPolicyPeer;

const tcp = (port: number | string) => ({ port, protocol: "TCP" });

export function ingressRules(args: Omit<ServiceNetworkArgs, "parent" | "backing" | "dependsOn">): Rule[] {
  const rules: Rule[] = [];
  if (args.dependents.length > 0)
    rules.push({ from: [podsOfServices(args.dependents)], ports: [tcp("http")] });
  if (args.publicRoutes) {
    const from: Peer[] = [
      ...args.gateway.namespaces.map(namespacePeer),
      ...args.gateway.cidrs.map((cidr) => ({ ipBlock: { cidr } })),
    ];
    if (from.length > 0) rules.push({ from, ports: [tcp("http")] });
  }
  if (args.httpCache?.fronts) rules.push({ from: [args.httpCache.pods], ports: [tcp("http")] });
  // Caddy's admin endpoint shares the metrics port: only the scraper may reach it.
  rules.push({ from: [namespacePeer(args.monitoringNamespace)], ports: [tcp("metrics")] });
  return rules;
}

export function egressRules(dependsOn: readonly string[], backing: NetworkPath[], httpCache?: HttpCachePeer) {
  const rules: k8s.types.input.networking.v1.NetworkPolicyEgressRule[] = [];
  // Every service may purge what it published (tags), through the cache's purge listener.
  if (httpCache) rules.push({ to: [httpCache.pods], ports: [tcp(httpCache.purgePort)] });
  if (dependsOn.length > 0) rules.push({ to: [podsOfServices(dependsOn)], ports: [tcp(HTTP_PORT)] });
  for (const path of backing) rules.push({ to: path.peers, ports: path.ports });
  return rules;
}

export function serviceNetworkPolicy(args: ServiceNetworkArgs): k8s.networking.v1.NetworkPolicy {
  return new k8s.networking.v1.NetworkPolicy(
    `${args.service}-network`,
    {
      metadata: { name: args.service, namespace: args.namespace, labels: serviceLabels(args.service) },
      spec: {
        podSelector: { matchLabels: { "app.kubernetes.io/name": args.service } },
        policyTypes: ["Ingress", "Egress"],
        ingress: ingressRules(args),
        egress: egressRules(args.dependsOn, args.backing, args.httpCache),
      },
    },
    { parent: args.parent },
  );
}
