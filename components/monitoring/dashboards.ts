import { camel, podPattern } from "./rules";
import { type MonitoredService, SERVICE_LABEL } from "./types";

// One Grafana dashboard per service, generated from the catalog: traffic, errors and latency from
// Caddy's metrics, FrankenPHP's threads, restarts, and one row per declared queue. Grafana's
// dashboard sidecar (in-cluster) loads every ConfigMap labelled DASHBOARD_LABEL.

export const DASHBOARD_LABEL = "grafana_dashboard";
/** Grafana's variable syntax (the data source chosen in the dashboard), not a JS template. */
const DATASOURCE = ["$", "{datasource}"].join("");

export interface Panel {
  title: string;
  type: "timeseries" | "stat";
  unit: string;
  targets: Array<{ expr: string; legendFormat: string }>;
}

function layout(panels: readonly Panel[]): Record<string, unknown>[] {
  return panels.map((p, i) => ({
    id: i + 1,
    title: p.title,
    type: p.type,
    datasource: { type: "prometheus", uid: DATASOURCE },
    gridPos: { h: 8, w: 12, x: (i % 2) * 12, y: Math.floor(i / 2) * 8 },
    fieldConfig: { defaults: { unit: p.unit }, overrides: [] },
    targets: p.targets.map((t, j) => ({ refId: String.fromCharCode(65 + j), ...t })),
  }));
}

export function serviceDashboard(service: MonitoredService, namespace: string): Record<string, unknown> {
  const scope = `namespace="${namespace}", ${SERVICE_LABEL}="${service.name}"`;
  const pods = `namespace="${namespace}", pod=~"${podPattern(service)}"`;
  const panels: Panel[] = [
    {
      title: "Requests per second by status",
      type: "timeseries",
      unit: "reqps",
      targets: [
        {
          expr: `sum by (code) (rate(caddy_http_requests_total{${scope}}[$__rate_interval]))`,
          legendFormat: "{{code}}",
        },
      ],
    },
    {
      title: "5xx ratio",
      type: "timeseries",
      unit: "percentunit",
      targets: [
        {
          expr: `sum(rate(caddy_http_requests_total{${scope}, code=~"5.."}[$__rate_interval])) / sum(rate(caddy_http_requests_total{${scope}}[$__rate_interval]))`,
          legendFormat: "5xx",
        },
      ],
    },
    {
      title: "Latency (p50, p95, p99)",
      type: "timeseries",
      unit: "s",
      targets: [0.5, 0.95, 0.99].map((q) => ({
        expr: `histogram_quantile(${q}, sum by (le) (rate(caddy_http_request_duration_seconds_bucket{${scope}}[$__rate_interval])))`,
        legendFormat: `p${Math.round(q * 100)}`,
      })),
    },
    {
      title: "FrankenPHP busy threads",
      type: "timeseries",
      unit: "short",
      targets: [{ expr: `sum by (pod) (frankenphp_busy_threads{${scope}})`, legendFormat: "{{pod}}" }],
    },
    {
      title: "Container restarts (1h)",
      type: "stat",
      unit: "short",
      targets: [
        {
          expr: `sum by (container) (increase(kube_pod_container_status_restarts_total{${pods}}[1h]))`,
          legendFormat: "{{container}}",
        },
      ],
    },
    {
      title: "Memory working set",
      type: "timeseries",
      unit: "bytes",
      targets: [
        {
          expr: `sum by (pod) (container_memory_working_set_bytes{${pods}, container!=""})`,
          legendFormat: "{{pod}}",
        },
      ],
    },
  ];
  for (const queue of service.queues) {
    panels.push({
      title: `Queue ${queue.name}`,
      type: "timeseries",
      unit: "short",
      targets: [
        {
          expr: `sum(rabbitmq_detailed_queue_messages_ready{vhost="${service.name}", queue="${queue.name}"})`,
          legendFormat: "ready",
        },
        ...(queue.deadLetter
          ? [
              {
                expr: `sum(rabbitmq_detailed_queue_messages{vhost="${service.name}", queue="${queue.name}.dlq"})`,
                legendFormat: "dead letters",
              },
            ]
          : []),
      ],
    });
  }
  if (service.cache) panels.push(cacheBackendPanel(namespace, service.cache));
  return dashboard(
    `${namespace}-${service.name}`,
    `${camel(service.name)} (${namespace})`,
    service.name,
    panels,
  );
}

/** What the cache tier asks of one service behind it: fetches (the misses it serves) and failures. */
function cacheBackendPanel(namespace: string, cache: { tier: string; backend: string }): Panel {
  const scope = `namespace="${namespace}", ${SERVICE_LABEL}="${cache.tier}", backend="${cache.backend}"`;
  return {
    title: "HTTP cache: fetches from the cache tier",
    type: "timeseries",
    unit: "reqps",
    targets: [
      { expr: `sum(rate(varnish_backend_req{${scope}}[$__rate_interval]))`, legendFormat: "fetches" },
      {
        expr: `sum(rate(varnish_backend_fail{${scope}}[$__rate_interval]))`,
        legendFormat: "failed connections",
      },
    ],
  };
}

/** A dashboard model: the data source variable, the panels laid out two by two. */
export function dashboard(
  uid: string,
  title: string,
  tag: string,
  panels: readonly Panel[],
): Record<string, unknown> {
  return {
    uid: uid.slice(0, 40),
    title,
    tags: ["platform", tag],
    timezone: "browser",
    schemaVersion: 39,
    refresh: "30s",
    time: { from: "now-6h", to: "now" },
    templating: {
      list: [{ name: "datasource", type: "datasource", query: "prometheus", label: "Data source" }],
    },
    panels: layout(panels),
  };
}
