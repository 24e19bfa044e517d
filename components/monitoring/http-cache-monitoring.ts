import * as pulumi from "@pulumi/pulumi";
import { dashboard, type Panel } from "./dashboards";
import type { MonitoringStack } from "./monitoring-stack";
import { podMonitor } from "./monitors";
import { type AlertRule, literal, quoted, type RuleGroup } from "./rules";
import { type MonitoredCache, SERVICE_LABEL } from "./types";

// The HTTP cache tier's monitoring: a PodMonitor on its exporter sidecar (varnishstat's counters as
// varnish_* metrics), the two alerts of the talk's "1 GB cache in front of 300 GB" incident (the
// hit ratio collapses; the LRU evicts what it just stored) and a dashboard. Varnish counts no
// fetch durations: the backend fetch time is what the services behind the cache report themselves
// (Caddy's request duration), which is what a miss waits for.

/** A hit ratio over 15 minutes below this share of the previous 6 hours' ratio is a collapse. */
export const HIT_RATIO_COLLAPSE_SHARE = 0.5;
/** Client requests per second below which a hit ratio says nothing. */
export const MIN_REQUESTS_PER_SECOND = 1;
/** LRU evictions per second that make a storm, when they also are this share of the misses. */
export const EVICTIONS_PER_SECOND = 1;
export const EVICTIONS_PER_MISS = 0.5;

function hitRatio(scope: string, range: string, offset = ""): string {
  const hits = `sum(rate(varnish_main_cache_hit{${scope}}[${range}]${offset}))`;
  const misses = `sum(rate(varnish_main_cache_miss{${scope}}[${range}]${offset}))`;
  return `(${hits} / (${hits} + ${misses}))`;
}

function scopeOf(cache: MonitoredCache, namespace: string): string {
  return `namespace=${quoted(namespace)}, ${SERVICE_LABEL}=${quoted(cache.name)}`;
}

export function httpCacheRuleGroup(cache: MonitoredCache, namespace: string): RuleGroup {
  const scope = scopeOf(cache, namespace);
  const labels = { service: cache.name, namespace };
  const nuked = `sum(rate(varnish_main_n_lru_nuked{${scope}}[10m]))`;
  const rules: AlertRule[] = [
    {
      alert: "HttpCacheHitRatioCollapse",
      expr:
        `${hitRatio(scope, "15m")} < ${HIT_RATIO_COLLAPSE_SHARE} * ${hitRatio(scope, "6h", " offset 15m")}` +
        ` and sum(rate(varnish_main_client_req{${scope}}[15m])) > ${MIN_REQUESTS_PER_SECOND}`,
      for: "15m",
      labels: { severity: "warning", ...labels },
      annotations: {
        summary: "the HTTP cache's hit ratio collapsed",
        description: `The cache answers {{ $value | humanizePercentage }} of lookups from memory, less than ${HIT_RATIO_COLLAPSE_SHARE * 100}% of its ratio over the previous 6 hours: every miss goes to the services. Evictions (HttpCacheEvictionStorm) mean the cache is too small; a release that changed Cache-Control, Vary or cookies on cached routes, or a purge loop, are the other usual causes.`,
      },
    },
    {
      alert: "HttpCacheEvictionStorm",
      expr: `${nuked} > ${EVICTIONS_PER_SECOND} and ${nuked} / sum(rate(varnish_main_cache_miss{${scope}}[10m])) > ${EVICTIONS_PER_MISS}`,
      for: "15m",
      labels: { severity: "warning", ...labels },
      annotations: {
        summary: "the HTTP cache evicts objects to store new ones",
        description: `The cache evicts {{ $value }} objects per second (LRU) to make room, for more than ${EVICTIONS_PER_MISS * 100}% of what it stores: it is much smaller than the working set and throws away what it just fetched. Raise platform:httpCache.memoryMiB, or use storage: disk for a working set bigger than memory.`,
      },
    },
    {
      alert: "HttpCacheStatsUnreadable",
      expr: `min by (pod) (varnish_up{${scope}}) == 0`,
      for: "10m",
      labels: { severity: "warning", ...labels },
      annotations: {
        summary: "the HTTP cache's exporter cannot read varnishd's counters",
        description:
          "varnish_up is 0 on {{ $labels.pod }}: the exporter sidecar cannot read the shared memory of varnishd (different Varnish versions in the two images, or varnishd not running), so the cache's other alerts are blind.",
      },
    },
  ];
  return { name: `${namespace}.${cache.name}`, interval: "1m", rules };
}

export function httpCacheDashboard(cache: MonitoredCache, namespace: string): Record<string, unknown> {
  const scope = scopeOf(cache, namespace);
  const rate = (metric: string, by = "") =>
    `sum${by ? ` by (${by})` : ""}(rate(${metric}{${scope}}[$__rate_interval]))`;
  const backends = `namespace="${namespace}", ${SERVICE_LABEL}=~"${cache.backends.map(literal).join("|")}"`;
  const panels: Panel[] = [
    {
      title: "Hit ratio",
      type: "timeseries",
      unit: "percentunit",
      targets: [{ expr: hitRatio(scope, "$__rate_interval"), legendFormat: "hits / (hits + misses)" }],
    },
    {
      title: "Requests per second",
      type: "timeseries",
      unit: "reqps",
      targets: [
        { expr: rate("varnish_main_client_req"), legendFormat: "requests" },
        { expr: rate("varnish_main_cache_hit"), legendFormat: "hits" },
        { expr: rate("varnish_main_cache_hit_grace"), legendFormat: "hits in grace (stale)" },
        { expr: rate("varnish_main_cache_miss"), legendFormat: "misses" },
        { expr: rate("varnish_main_s_pass"), legendFormat: "passes (not cacheable)" },
      ],
    },
    {
      title: "Evictions and expiries per second",
      type: "timeseries",
      unit: "short",
      targets: [
        { expr: rate("varnish_main_n_lru_nuked"), legendFormat: "evicted (LRU)" },
        { expr: rate("varnish_main_n_expired"), legendFormat: "expired" },
        { expr: rate("varnish_main_n_lru_limited"), legendFormat: "not stored (eviction limit)" },
      ],
    },
    {
      title: "Storage used and free",
      type: "timeseries",
      unit: "bytes",
      targets: [
        {
          expr: `sum by (pod) ({__name__=~"varnish_sm[af]_g_bytes", ${scope}, type="s0"})`,
          legendFormat: "used {{pod}}",
        },
        {
          expr: `sum by (pod) ({__name__=~"varnish_sm[af]_g_space", ${scope}, type="s0"})`,
          legendFormat: "free {{pod}}",
        },
      ],
    },
    {
      title: "Backend fetch time (p95 of the cached services)",
      type: "timeseries",
      unit: "s",
      targets: [
        {
          expr: `histogram_quantile(0.95, sum by (le, ${SERVICE_LABEL}) (rate(caddy_http_request_duration_seconds_bucket{${backends}}[$__rate_interval])))`,
          legendFormat: `{{${SERVICE_LABEL}}}`,
        },
      ],
    },
    {
      title: "Backend fetches and failed connections",
      type: "timeseries",
      unit: "reqps",
      targets: [
        { expr: rate("varnish_backend_req", "backend"), legendFormat: "{{backend}}" },
        { expr: rate("varnish_backend_fail", "backend"), legendFormat: "{{backend}} failed" },
      ],
    },
    {
      title: "Objects in cache",
      type: "timeseries",
      unit: "short",
      targets: [{ expr: `sum by (pod) (varnish_main_n_object{${scope}})`, legendFormat: "{{pod}}" }],
    },
  ];
  return dashboard(`${namespace}-${cache.name}`, `HTTP cache (${namespace})`, cache.name, panels);
}

export interface HttpCacheMonitoringArgs {
  cache: MonitoredCache;
  namespace: string;
  stack: MonitoringStack;
}

/** The PodMonitor on the exporter sidecar, the rule group and the dashboard of the cache tier. */
export class HttpCacheMonitoring extends pulumi.ComponentResource {
  constructor(name: string, args: HttpCacheMonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:monitoring:HttpCacheMonitoring", name, {}, opts);
    const { cache, namespace, stack } = args;
    podMonitor(
      `${name}-monitor`,
      {
        name: cache.name,
        namespace,
        apiGroup: stack.monitorApiGroup,
        labels: { ...cache.labels },
        selector: { ...cache.selector },
        port: cache.port,
        path: "/metrics",
      },
      { parent: this, dependsOn: stack.ready },
    );
    stack.addRules(`${name}-rules`, [httpCacheRuleGroup(cache, namespace)], this);
    stack.addDashboard(`${name}-dashboard`, httpCacheDashboard(cache, namespace), this);
    this.registerOutputs({});
  }
}
