import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { clusterHost } from "../kube/cluster-dns";
import { shortHash } from "../kube/hash";
import { objectLabels, selectorLabels } from "../kube/labels";
import type { RequestScale } from "../kube/resources";
import { cacheNetworkPolicy } from "./cache-network";
import type { CachedRoute } from "./cached-routes";
import { cachedServices } from "./cached-routes";
import { CACHE_HTTP_PORT, CACHE_PURGE_PORT, HTTP_CACHE_NAME, HTTP_CACHE_PURGE_SERVICE } from "./ports";
import { type CacheStorage, varnishPodTemplate } from "./varnish-pod";
import { renderVcl } from "./vcl";

// The HTTP cache tier (Varnish) in front of the catalog's cached routes: the generated VCL, the
// Deployment, a Service for the gateway, a headless Service the apps fan purges out through, a
// PodDisruptionBudget when replicated and the network policy. The same in every profile: on Azure
// it runs in AKS like the services (docs/http-cache.md says why not Front Door).

/** Annotation of the VCL ConfigMap: the cached routes as JSON, read by the http-cache-safe policy. */
export const CACHED_ROUTES_ANNOTATION = "platform.internal/http-cache-routes";

export interface HttpCacheArgs {
  namespace: string;
  routes: readonly CachedRoute[];
  replicas: number;
  storage: CacheStorage;
  backendPort: number;
  gateway: { namespaces: string[]; cidrs: string[] };
  /** Every service of the platform (the purge clients). */
  services: readonly string[];
  /** The Varnish image to run. @default httpCacheImages.varnish */
  image?: string;
  /** Metrics for Prometheus: the exporter sidecar's image and the namespace that scrapes it. @default none (no sidecar) */
  metrics?: { exporterImage: string; scrapedFrom: string };
  /**
   * The stack's `platform:requestScale`: a factor on the CPU and memory requests of Varnish and its
   * exporter; limits unchanged.
   * @default 1 (requests as sized)
   */
  requestScale?: RequestScale;
}

export class HttpCache extends pulumi.ComponentResource {
  readonly vcl: string;
  /** Host name resolving to every cache pod, and the purge port: what the apps get. */
  readonly purge: { host: string; port: number };

  constructor(name: string, args: HttpCacheArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:http-cache:HttpCache", name, {}, opts);
    const ns = args.namespace;
    const labels = objectLabels(HTTP_CACHE_NAME, "http-cache");
    const selector = selectorLabels(HTTP_CACHE_NAME, "http-cache");
    this.vcl = renderVcl({ namespace: ns, backendPort: args.backendPort, routes: args.routes });

    const config = new k8s.core.v1.ConfigMap(
      `${name}-vcl`,
      {
        metadata: {
          namespace: ns,
          labels,
          annotations: {
            [CACHED_ROUTES_ANNOTATION]: JSON.stringify(
              args.routes.map((r) => ({ service: r.service, pathPrefix: r.pathPrefix, ...r.cache })),
            ),
          },
        },
        data: { "default.vcl": this.vcl },
      },
      { parent: this },
    );

    new k8s.apps.v1.Deployment(
      `${name}-deployment`,
      {
        metadata: { name: HTTP_CACHE_NAME, namespace: ns, labels },
        spec: {
          replicas: args.replicas,
          // A VCL that does not compile never gets ready: fail the rollout instead of waiting forever.
          progressDeadlineSeconds: 600,
          selector: { matchLabels: selector },
          strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
          template: varnishPodTemplate({
            configMapName: config.metadata.name,
            configHash: shortHash(this.vcl),
            storage: args.storage,
            ...(args.image ? { image: args.image } : {}),
            ...(args.metrics ? { exporterImage: args.metrics.exporterImage } : {}),
            requestScale: args.requestScale,
          }),
        },
      },
      { parent: this },
    );

    new k8s.core.v1.Service(
      `${name}-service`,
      {
        metadata: { name: HTTP_CACHE_NAME, namespace: ns, labels },
        spec: {
          selector,
          ports: [{ name: "http", port: CACHE_HTTP_PORT, targetPort: "http", protocol: "TCP" }],
        },
      },
      { parent: this },
    );
    // Headless: its DNS name answers every ready cache pod, so one purge reaches every replica.
    new k8s.core.v1.Service(
      `${name}-purge`,
      {
        metadata: { name: HTTP_CACHE_PURGE_SERVICE, namespace: ns, labels },
        spec: {
          clusterIP: "None",
          selector,
          ports: [{ name: "purge", port: CACHE_PURGE_PORT, targetPort: "purge", protocol: "TCP" }],
        },
      },
      { parent: this },
    );
    if (args.replicas > 1) {
      new k8s.policy.v1.PodDisruptionBudget(
        `${name}-pdb`,
        {
          metadata: { name: HTTP_CACHE_NAME, namespace: ns, labels },
          spec: { maxUnavailable: 1, selector: { matchLabels: selector } },
        },
        { parent: this },
      );
    }
    cacheNetworkPolicy({
      namespace: ns,
      gateway: args.gateway,
      purgeClients: args.services,
      ...(args.metrics ? { scrapedFrom: args.metrics.scrapedFrom } : {}),
      backends: cachedServices(args.routes),
      backendPort: args.backendPort,
      parent: this,
    });
    this.purge = { host: clusterHost(HTTP_CACHE_PURGE_SERVICE, ns), port: CACHE_PURGE_PORT };
    this.registerOutputs({});
  }
}
