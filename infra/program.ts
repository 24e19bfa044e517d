import * as pulumi from "@pulumi/pulumi";
import { PublicGateway } from "../components/gateway/public-gateway";
import { cachedRoutes, cachedServices } from "../components/http-cache/cached-routes";
import { httpCacheClient } from "../components/http-cache/client";
import { HttpCache } from "../components/http-cache/http-cache";
import { httpCacheImages } from "../components/http-cache/images";
import { CACHE_HTTP_PORT, HTTP_CACHE_NAME } from "../components/http-cache/ports";
import { resolveImage } from "../components/kube/third-party-images";
import { resolvedLoggingImages } from "../components/logging/images";
import { LogShipper } from "../components/logging/log-shipper";
import { PlatformNamespace } from "../components/namespace/platform-namespace";
import { HTTP_PORT } from "../components/service/environment";
import { PhpService } from "../components/service/php-service";
import type { ServiceSpec } from "../components/service/spec";
import { loadCatalog, specFilesFromEnv } from "./catalog/load";
import { defaultSourceOf, validateCatalog } from "./catalog/validate";
import { clusterProvider } from "./cluster";
import { ENVIRONMENTS } from "./config/environments";
import { type LoadedConfig, loadStackConfig } from "./config/load";
import { thirdPartyImageSource } from "./config/third-party-images";
import { buildModel, type PlatformModel } from "./model";
import { monitoredCache, monitorPlatform } from "./monitoring";
import { azureProfile } from "./profiles/azure";
import { inClusterProfile } from "./profiles/in-cluster";
import type { Profile } from "./profiles/profile";
import { planServiceSettings, readStackSecrets } from "./service-settings";

// The program: validate everything first (config, catalog, their combination), then compose
// namespaces, backing services, logging, services and the gateway, and export what users need.

/** Groups the whole platform under one node of the resource tree. */
class Platform extends pulumi.ComponentResource {
  constructor(name: string, opts?: pulumi.ComponentResourceOptions) {
    super("platform:index:Platform", name, {}, opts);
  }
}

export interface PlatformOutputs {
  profile: string;
  environment: string;
  namespace: string;
  services: Record<
    string,
    { url: pulumi.Output<string>; image: string; routes: string[]; schemaChanges?: "compatible" | "breaking" }
  >;
  gatewayUrl?: string;
  endpoints: Record<string, pulumi.Input<unknown>>;
  /** Per-service DATABASE_URL etc. for the test jobs of local and CI stacks, as a Pulumi secret. */
  credentials?: pulumi.Output<Record<string, Record<string, string>>>;
  [key: string]: unknown;
}

/**
 * Reads the stack config and the catalog, and validates both before registering anything. Without
 * a catalog, it is read from infra/catalog/services/ plus the files named by PLATFORM_SERVICE_SPECS.
 */
export function preparePlatform(catalog?: readonly ServiceSpec[]): {
  loaded: LoadedConfig;
  model: PlatformModel;
  /** The whole catalog, and the file each service comes from. */
  services: readonly ServiceSpec[];
  sourceOf: (service: string) => string;
} {
  const loaded = loadStackConfig();
  let services: readonly ServiceSpec[];
  let sourceOf = defaultSourceOf;
  if (catalog) {
    validateCatalog(catalog);
    services = catalog;
  } else {
    const read = loadCatalog({ specFiles: specFilesFromEnv() });
    services = read.services;
    sourceOf = (service) => read.sourceOf(service);
  }
  const model = buildModel(loaded.config, services, loaded.source);
  return { loaded, model, services, sourceOf };
}

export function definePlatform(catalog?: readonly ServiceSpec[]): PlatformOutputs {
  const { loaded, model, services: catalogServices, sourceOf } = preparePlatform(catalog);
  const config = loaded.config;
  const specs = model.services.map((s) => s.spec);
  const ownSettings = planServiceSettings(
    { stack: loaded.stack, source: loaded.source, sourceOf },
    config,
    readStackSecrets(),
    catalogServices,
    specs,
  );
  const profile: Profile =
    config.profile === "azure" ? azureProfile(loaded, specs) : inClusterProfile(loaded);

  const root = new Platform(loaded.stack);
  const cluster = clusterProvider("cluster", profile.connection, { parent: root });
  const appNamespace = config.namespace;
  const logsNamespace = `${config.namespace}-logs`;
  const namespaceArgs = {
    environment: config.environment,
    ...(config.ephemeral ? { ephemeral: config.ephemeral } : {}),
  };
  const app = new PlatformNamespace(
    "namespace",
    {
      name: appNamespace,
      podSecurity: "restricted",
      ...namespaceArgs,
      ...(config.quota ? { quota: config.quota } : {}),
      ...(config.testAccess ? { testClients: config.testAccess.namespaces } : {}),
    },
    { parent: root, providers: { kubernetes: cluster } },
  );
  const logs = new PlatformNamespace(
    "logs-namespace",
    { name: logsNamespace, podSecurity: "privileged", ...namespaceArgs },
    { parent: root, providers: { kubernetes: cluster } },
  );
  // Setup Jobs with administrator rights (database roles on Azure) and their credentials: never
  // in the services' namespace.
  const adminNamespace = profile.adminNamespace ? `${config.namespace}-admin` : undefined;
  const admin = adminNamespace
    ? new PlatformNamespace(
        "admin-namespace",
        { name: adminNamespace, podSecurity: "restricted", ...namespaceArgs },
        { parent: root, providers: { kubernetes: cluster } },
      )
    : undefined;
  // Prometheus, Alertmanager and Grafana (in-cluster) or the dashboards (Azure) live here.
  const monitoringNs = config.monitoring.enabled
    ? new PlatformNamespace(
        "monitoring-namespace",
        { name: config.monitoringNamespace, podSecurity: "baseline", ...namespaceArgs },
        { parent: root, providers: { kubernetes: cluster } },
      )
    : undefined;
  // Objects inside the namespaces go through a provider that depends on them, so none is
  // created before its namespace exists (dependsOn on a component does not reach its children).
  const workloads = clusterProvider("workloads", profile.connection, {
    parent: root,
    dependsOn: [app, logs, ...(admin ? [admin] : []), ...(monitoringNs ? [monitoringNs] : [])],
  });
  const scope = new Platform("workloads", { parent: root, providers: { kubernetes: workloads } });

  const services = model.services.map((s) => s.spec);
  const backing = profile.createBacking({
    namespace: appNamespace,
    ...(adminNamespace ? { adminNamespace } : {}),
    services,
    ...(config.monitoring.enabled ? { scrapedFromNamespace: config.monitoringNamespace } : {}),
    parent: scope,
  });
  const logStore = profile.createLogStore({
    namespace: logsNamespace,
    retentionHours: config.logging.retentionHours,
    monitoringNamespace: config.monitoringNamespace,
    parent: scope,
  });
  new LogShipper(
    "log-shipper",
    {
      kind: config.logging.shipper,
      namespace: logsNamespace,
      pipeline: {
        namespaces: [appNamespace],
        pushUrl: logStore.pushUrl,
        maxAgeHours: config.logging.retentionHours,
      },
      loki: logStore.path,
      image: resolvedLoggingImages(thirdPartyImageSource(config))[config.logging.shipper],
      ...(config.monitoring.enabled ? { scrapedFrom: config.monitoringNamespace } : {}),
      requestScale: config.requestScale,
    },
    { parent: scope },
  );

  const gatewayConfig = config.gateway?.enabled ? config.gateway : undefined;
  const gatewayPeers = gatewayConfig?.allowFrom ?? { namespaces: [], cidrs: [] };
  // The cache tier exists when the gateway does and some deployed route asks for it.
  const cached = gatewayConfig ? cachedRoutes(services) : [];
  const deployed = model.services.map(
    (s) =>
      new PhpService(
        s.spec.name,
        {
          service: s,
          namespace: appNamespace,
          dependents: model.graph.dependents(s.spec.name),
          backing,
          images: {
            pullPolicy: config.images.pullPolicy,
            ...(config.images.pullSecret ? { pullSecret: config.images.pullSecret } : {}),
          },
          migrations: config.migrations,
          gateway: gatewayPeers,
          monitoringNamespace: config.monitoringNamespace,
          ...(cached.length > 0 ? { httpCache: httpCacheClient(appNamespace) } : {}),
          ...optional("appSettings", ownSettings.forService(s.spec.name)),
          requestScale: config.requestScale,
        },
        { parent: scope },
      ),
  );
  const httpCache =
    cached.length > 0
      ? new HttpCache(
          "http-cache",
          {
            namespace: appNamespace,
            routes: cached,
            replicas: Math.min(config.httpCache.replicas, config.replicaCap),
            storage: config.httpCache,
            backendPort: HTTP_PORT,
            gateway: gatewayPeers,
            services: services.map((s) => s.name),
            image: resolveImage("varnish", httpCacheImages.varnish, thirdPartyImageSource(config)),
            requestScale: config.requestScale,
            ...(config.monitoring.enabled
              ? {
                  metrics: {
                    exporterImage: resolveImage(
                      "varnishExporter",
                      httpCacheImages.varnishExporter,
                      thirdPartyImageSource(config),
                    ),
                    scrapedFrom: config.monitoringNamespace,
                  },
                }
              : {}),
          },
          // varnishd resolves its backends when it loads the VCL: the services exist first.
          { parent: scope, dependsOn: deployed },
        )
      : undefined;
  const monitoring = config.monitoring.enabled
    ? profile.createMonitoring({
        namespace: config.monitoringNamespace,
        retention: config.monitoring.retention,
        ...(config.monitoring.notifications && loaded.alertReceiverUrl
          ? {
              notifications: {
                routes: config.monitoring.notifications,
                receiverUrl: loaded.alertReceiverUrl,
              },
            }
          : {}),
        parent: scope,
      })
    : undefined;
  if (monitoring) {
    monitorPlatform({
      stack: monitoring,
      config: config.monitoring,
      services,
      namespace: appNamespace,
      logsNamespace,
      backing: profile.scrapeTargets,
      ...(httpCache ? { httpCache: monitoredCache(cachedServices(cached)) } : {}),
      parent: scope,
    });
  }

  const gateway = gatewayConfig
    ? new PublicGateway(
        "public",
        {
          namespace: appNamespace,
          className: gatewayConfig.className,
          hostname: gatewayConfig.hostname,
          ...(gatewayConfig.tlsSecretName ? { tlsSecretName: gatewayConfig.tlsSecretName } : {}),
          services,
          ...(httpCache ? { cache: { service: HTTP_CACHE_NAME, port: CACHE_HTTP_PORT } } : {}),
        },
        { parent: scope },
      )
    : undefined;

  return {
    profile: profile.name,
    environment: config.environment,
    namespace: appNamespace,
    services: Object.fromEntries(
      model.services.map((s, i) => [
        s.spec.name,
        {
          url: (deployed[i] as PhpService).url,
          image: s.image,
          routes: (s.spec.routes ?? []).map((r) => r.pathPrefix),
          // Read by `npm run rollback`: a breaking release is not rolled back without --accept-schema.
          ...(s.spec.database?.schemaChanges ? { schemaChanges: s.spec.database.schemaChanges } : {}),
        },
      ]),
    ),
    ...(gateway ? { gatewayUrl: gateway.url } : {}),
    endpoints: { ...backing.endpoints, loki: logStore.queryUrl },
    // Test jobs of throwaway stacks need them; long-lived environments keep them in the cluster only.
    ...(ENVIRONMENTS[config.environment].exportsCredentials
      ? {
          credentials: pulumi.secret(
            pulumi.all(
              Object.fromEntries(
                model.services.map((s, i) => [s.spec.name, (deployed[i] as PhpService).credentials]),
              ),
            ),
          ),
        }
      : {}),
    ...(monitoring
      ? { monitoring: { ...monitoring.outputs, errorRatio: config.monitoring.alerts.errorRatio } }
      : {}),
    // Read by `npm run verify` after each deploy.
    rollback: { automatic: config.rollback.automatic },
    ...profile.outputs,
  };
}

/** `{key: value}` when the value is defined, `{}` otherwise (optional properties stay absent). */
function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}
