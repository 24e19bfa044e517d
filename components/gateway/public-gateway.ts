import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { objectLabels, serviceLabels } from "../kube/labels";
import { HTTP_PORT } from "../service/environment";
import type { ServiceSpec } from "../service/spec";

// Public traffic only (field notes, failure mode 4): a Gateway API Gateway and one HTTPRoute per
// public path prefix. Services never call each other through it. ingress-nginx is retired; the
// class is the stack's choice (Application Gateway for Containers, AKS app routing, Envoy, ...).

export const GATEWAY_NAME = "gateway";

export interface PublicGatewayArgs {
  namespace: string;
  className: string;
  hostname: string;
  /**
   * The Secret holding the hostname's certificate: an HTTPS listener on 443 terminating TLS with it.
   * @default - no TLS: a plain HTTP listener on port 80 (TLS ends in front of the Gateway)
   */
  tlsSecretName?: string;
  services: readonly ServiceSpec[];
  /**
   * The HTTP cache tier's Service: routes with `cache` go through it instead of to the service.
   * @default - no cache tier: every route goes straight to its service
   */
  cache?: { service: string; port: number };
}

export class PublicGateway extends pulumi.ComponentResource {
  readonly url: string;
  readonly routes: Record<string, string[]>;

  constructor(name: string, args: PublicGatewayArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:gateway:PublicGateway", name, {}, opts);
    const tls = args.tlsSecretName;
    const listener = tls
      ? {
          name: "https",
          protocol: "HTTPS",
          port: 443,
          hostname: args.hostname,
          tls: { mode: "Terminate", certificateRefs: [{ kind: "Secret", name: tls }] },
          allowedRoutes: { namespaces: { from: "Same" } },
        }
      : {
          name: "http",
          protocol: "HTTP",
          port: 80,
          hostname: args.hostname,
          allowedRoutes: { namespaces: { from: "Same" } },
        };

    const gateway = new k8s.apiextensions.CustomResource(
      `${name}-gateway`,
      {
        apiVersion: "gateway.networking.k8s.io/v1",
        kind: "Gateway",
        metadata: {
          name: GATEWAY_NAME,
          namespace: args.namespace,
          labels: objectLabels(GATEWAY_NAME, "gateway"),
        },
        spec: { gatewayClassName: args.className, listeners: [listener] },
      },
      { parent: this },
    );

    const routes: Record<string, string[]> = {};
    for (const s of args.services) {
      const specRoutes = s.routes ?? [];
      if (specRoutes.length === 0) continue;
      routes[s.name] = specRoutes.map((r) => r.pathPrefix);
      const cache = args.cache;
      new k8s.apiextensions.CustomResource(
        `${s.name}-route`,
        {
          apiVersion: "gateway.networking.k8s.io/v1",
          kind: "HTTPRoute",
          metadata: { name: s.name, namespace: args.namespace, labels: serviceLabels(s.name) },
          spec: {
            parentRefs: [{ name: GATEWAY_NAME, sectionName: listener.name }],
            hostnames: [args.hostname],
            rules: specRoutes.map((r) => ({
              matches: [{ path: { type: "PathPrefix", value: r.pathPrefix } }],
              backendRefs: [
                r.cache && cache
                  ? { name: cache.service, port: cache.port }
                  : { name: s.name, port: HTTP_PORT },
              ],
            })),
          },
        },
        { parent: this, dependsOn: [gateway] },
      );
    }
    this.routes = routes;
    this.url = `${tls ? "https" : "http"}://${args.hostname}`;
    this.registerOutputs({ url: this.url });
  }
}
