import type * as pulumi from "@pulumi/pulumi";
import { HTTP_CACHE_NAME } from "../components/http-cache/ports";
import { CACHE_METRICS_PORT_NAME } from "../components/http-cache/varnish-pod";
import { backendName } from "../components/http-cache/vcl";
import { objectLabels, selectorLabels } from "../components/kube/labels";
import { LOG_SHIPPER_NAME } from "../components/logging/log-shipper";
import { HttpCacheMonitoring } from "../components/monitoring/http-cache-monitoring";
import type { MonitoringStack } from "../components/monitoring/monitoring-stack";
import {
  backingMonitors,
  METRICS_PORT_NAME,
  podMonitor,
  type ScrapeTarget,
} from "../components/monitoring/monitors";
import { platformRuleGroup } from "../components/monitoring/rules";
import { ServiceMonitoring } from "../components/monitoring/service-monitoring";
import type { MonitoredCache, MonitoredService } from "../components/monitoring/types";
import type { ServiceSpec } from "../components/service/spec";
import type { MonitoringConfig } from "./config/schema";

// Monitoring from the catalog: what each service's monitors, rules and dashboard need, read from
// its catalog entry, then one ServiceMonitoring per service and the platform-wide pieces.

export function monitoredService(spec: ServiceSpec, cache?: MonitoredCache): MonitoredService {
  return {
    name: spec.name,
    routes: (spec.routes ?? []).map((r) => r.pathPrefix),
    consumers: (spec.messaging?.consumers ?? []).map((c) => c.name),
    queues: (spec.messaging?.queues ?? []).map((q) => ({ name: q.name, deadLetter: q.deadLetter !== false })),
    migrates: spec.database !== undefined,
    ...(cache?.backends.includes(spec.name)
      ? { cache: { tier: cache.name, backend: backendName(spec.name) } }
      : {}),
  };
}

/** The cache tier in front of `backends` (the services with a cached route), as monitoring sees it. */
export function monitoredCache(backends: readonly string[]): MonitoredCache {
  return {
    name: HTTP_CACHE_NAME,
    selector: selectorLabels(HTTP_CACHE_NAME, "http-cache"),
    labels: objectLabels(HTTP_CACHE_NAME, "http-cache"),
    port: CACHE_METRICS_PORT_NAME,
    backends,
  };
}

export function monitorPlatform(args: {
  stack: MonitoringStack;
  config: MonitoringConfig;
  services: readonly ServiceSpec[];
  namespace: string;
  logsNamespace: string;
  /** Backing servers the profile runs in the cluster with a metrics port. */
  backing: readonly ScrapeTarget[];
  /** The HTTP cache tier, when the stack runs one (its exporter sidecar serves the metrics). */
  httpCache?: MonitoredCache;
  parent: pulumi.Resource;
}): void {
  const { stack, namespace, parent } = args;
  for (const spec of args.services) {
    new ServiceMonitoring(
      `${spec.name}-monitoring`,
      { service: monitoredService(spec, args.httpCache), namespace, thresholds: args.config.alerts, stack },
      { parent },
    );
  }
  if (args.httpCache) {
    new HttpCacheMonitoring("http-cache-monitoring", { cache: args.httpCache, namespace, stack }, { parent });
  }
  podMonitor(
    "log-shipper-monitor",
    {
      name: LOG_SHIPPER_NAME,
      namespace: args.logsNamespace,
      apiGroup: stack.monitorApiGroup,
      labels: objectLabels(LOG_SHIPPER_NAME, "log-shipper"),
      selector: selectorLabels(LOG_SHIPPER_NAME, "log-shipper"),
      port: "http",
      path: "/metrics",
    },
    { parent, dependsOn: stack.ready },
  );
  backingMonitors(
    args.backing,
    { namespace, apiGroup: stack.monitorApiGroup, portName: METRICS_PORT_NAME },
    { parent, dependsOn: stack.ready },
  );
  stack.addRules("platform-rules", [platformRuleGroup(namespace, args.logsNamespace)], parent);
}
