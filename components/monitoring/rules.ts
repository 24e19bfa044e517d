import { type AlertThresholds, type MonitoredService, SERVICE_LABEL } from "./types";

// Alert rules for the platform's services and its backing services, as Prometheus rule groups.
// The same groups become a PrometheusRule (Prometheus Operator, in-cluster) and Azure Monitor
// prometheus rule groups: one source, checked by `promtool check rules` in the tests.

export interface AlertRule {
  alert: string;
  expr: string;
  for: string;
  labels: { severity: "critical" | "warning"; [key: string]: string };
  annotations: { summary: string; description: string; [key: string]: string };
}

export interface RuleGroup {
  name: string;
  /** Evaluation interval. */
  interval: string;
  rules: AlertRule[];
}

/** `media-api` → `MediaApi`: alert names are CamelCase by convention. */
export function camel(name: string): string {
  return name
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((p) => p.charAt(0).toUpperCase() + p.slice(1))
    .join("");
}

/** Escapes a value for a double-quoted PromQL label matcher. */
export function quoted(value: string): string {
  return `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

/** Escapes regex metacharacters (queue names contain dots). */
export function literal(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Pods of the service's Deployments (web and consumers): `<deployment>-<replicaset hash>-<pod>`. */
export function podPattern(service: MonitoredService): string {
  const consumers = service.consumers.length > 0 ? `(-(${service.consumers.map(literal).join("|")}))?` : "";
  return `${literal(service.name)}${consumers}-[a-z0-9]{5,10}-[a-z0-9]{5}`;
}

export function serviceRuleGroup(
  service: MonitoredService,
  namespace: string,
  thresholds: AlertThresholds,
): RuleGroup {
  const id = camel(service.name);
  const scope = `namespace=${quoted(namespace)}, ${SERVICE_LABEL}=${quoted(service.name)}`;
  const pods = `namespace=${quoted(namespace)}, pod=~${quoted(podPattern(service))}`;
  const percent = Math.round(thresholds.errorRatio * 1000) / 10;
  const labels = { service: service.name, namespace };
  const rules: AlertRule[] = [
    {
      alert: `${id}HighErrorRatio`,
      expr:
        `sum(rate(caddy_http_requests_total{${scope}, code=~"5.."}[5m]))` +
        ` / sum(rate(caddy_http_requests_total{${scope}}[5m])) > ${thresholds.errorRatio}`,
      for: "5m",
      labels: { severity: "critical", ...labels },
      annotations: {
        summary: `${service.name}: more than ${percent}% of requests fail with 5xx`,
        description: `${service.name} answered {{ $value | humanizePercentage }} of its requests with a 5xx status over the last 5 minutes. Revert first: npm run rollback -- --stack <stack>.`,
      },
    },
    {
      alert: `${id}HighLatency`,
      expr:
        `histogram_quantile(0.95, sum by (le) (rate(caddy_http_request_duration_seconds_bucket{${scope}}[5m])))` +
        ` > ${thresholds.latencyP95Seconds}`,
      for: "10m",
      labels: { severity: "warning", ...labels },
      annotations: {
        summary: `${service.name}: 95th percentile latency above ${thresholds.latencyP95Seconds}s`,
        description: `The slowest 5% of ${service.name}'s requests take more than {{ $value | humanizeDuration }}.`,
      },
    },
    {
      alert: `${id}PodsRestarting`,
      expr: `sum(increase(kube_pod_container_status_restarts_total{${pods}}[15m])) > 2`,
      for: "0m",
      labels: { severity: "warning", ...labels },
      annotations: {
        summary: `${service.name}: containers restarted more than twice in 15 minutes`,
        description: `Containers of ${service.name} restarted {{ $value }} times in 15 minutes: look at the previous container's logs (kubectl logs --previous) and at OOMKilled in the pod status.`,
      },
    },
    {
      alert: `${id}CrashLooping`,
      expr: `max(max_over_time(kube_pod_container_status_waiting_reason{${pods}, reason="CrashLoopBackOff"}[5m])) >= 1`,
      for: "5m",
      labels: { severity: "critical", ...labels },
      annotations: {
        summary: `${service.name}: a container is in CrashLoopBackOff`,
        description: `A container of ${service.name} keeps crashing. A bad release? Revert first: npm run rollback -- --stack <stack>.`,
      },
    },
  ];
  if (service.migrates) {
    rules.push({
      alert: `${id}MigrationFailed`,
      expr: `max(kube_job_status_failed{namespace=${quoted(namespace)}, job_name=~${quoted(`${literal(service.name)}-migrate-[a-z0-9]+`)}}) > 0`,
      for: "0m",
      labels: { severity: "critical", ...labels },
      annotations: {
        summary: `${service.name}: the database migration Job failed`,
        description: `The migration Job of ${service.name} failed, so the rollout of the new image did not start. Read the Job's logs; migrations are never reversed by a rollback.`,
      },
    });
  }
  for (const queue of service.queues) {
    const q = `queue=${quoted(queue.name)}`;
    rules.push({
      alert: `${id}QueueBacklog${camel(queue.name)}`,
      expr: `sum(rabbitmq_detailed_queue_messages_ready{vhost=${quoted(service.name)}, ${q}}) > ${thresholds.queueDepth}`,
      for: "15m",
      labels: { severity: "warning", ...labels, queue: queue.name },
      annotations: {
        summary: `${service.name}: more than ${thresholds.queueDepth} messages wait in ${queue.name}`,
        description: `{{ $value }} messages have been waiting in ${queue.name} for 15 minutes: are the consumers running and keeping up?`,
      },
    });
    if (queue.deadLetter) {
      const dlq = `${queue.name}.dlq`;
      rules.push({
        alert: `${id}DeadLetters${camel(queue.name)}`,
        expr: `sum(rabbitmq_detailed_queue_messages{vhost=${quoted(service.name)}, queue=${quoted(dlq)}}) > 0`,
        for: "5m",
        labels: { severity: "warning", ...labels, queue: dlq },
        annotations: {
          summary: `${service.name}: rejected messages in ${dlq}`,
          description: `{{ $value }} messages of ${queue.name} were rejected by the consumer and wait in ${dlq} for someone to look at them.`,
        },
      });
    }
  }
  return { name: `${namespace}.${service.name}`, interval: "1m", rules };
}

/** Backing services and the log shipper, shared by every service of the stack. */
export function platformRuleGroup(namespace: string, logsNamespace: string): RuleGroup {
  const ns = `namespace=${quoted(namespace)}`;
  const labels = { namespace };
  return {
    name: `${namespace}.backing`,
    interval: "1m",
    rules: [
      {
        alert: "RedisMemoryNearLimit",
        expr:
          `max by (pod) (redis_memory_used_bytes{${ns}}) / max by (pod) (redis_memory_max_bytes{${ns}} > 0)` +
          " > 0.9",
        for: "10m",
        labels: { severity: "warning", ...labels },
        annotations: {
          summary: "Redis uses more than 90% of its maxmemory",
          description:
            "Redis {{ $labels.pod }} is at {{ $value | humanizePercentage }} of maxmemory: keys with a TTL are evicted next, then writes fail.",
        },
      },
      {
        alert: "RedisEvictingKeys",
        expr: `sum by (pod) (increase(redis_evicted_keys_total{${ns}}[10m])) > 0`,
        for: "0m",
        labels: { severity: "warning", ...labels },
        annotations: {
          summary: "Redis evicts keys",
          description:
            "Redis {{ $labels.pod }} evicted {{ $value }} keys in 10 minutes: cache hit rates drop and sessions or locks may vanish. Give it more memory.",
        },
      },
      {
        alert: "PostgresConnectionsNearLimit",
        expr:
          `sum by (pod) (pg_stat_activity_count{${ns}})` +
          ` / max by (pod) (pg_settings_max_connections{${ns}}) > 0.8`,
        for: "5m",
        labels: { severity: "warning", ...labels },
        annotations: {
          summary: "PostgreSQL uses more than 80% of max_connections",
          description:
            "PostgreSQL {{ $labels.pod }} has {{ $value | humanizePercentage }} of its connections in use: new connections will be refused soon.",
        },
      },
      {
        alert: "PostgresDown",
        expr: `max by (pod) (pg_up{${ns}}) == 0`,
        for: "2m",
        labels: { severity: "critical", ...labels },
        annotations: {
          summary: "the PostgreSQL exporter cannot reach PostgreSQL",
          description: "pg_up is 0 for {{ $labels.pod }}: the database does not answer.",
        },
      },
      {
        alert: "LogShipperDroppingLines",
        // Alloy's loki.write and Promtail name the counter differently; one of them runs.
        expr: `sum(increase({__name__=~"loki_write_dropped_entries_total|promtail_dropped_entries_total", namespace=${quoted(logsNamespace)}}[10m])) > 0`,
        for: "0m",
        labels: { severity: "warning", namespace: logsNamespace },
        annotations: {
          summary: "the log shipper drops log lines",
          description:
            "{{ $value }} log lines were dropped in 10 minutes (Loki unreachable or rejecting): the witnesses of the next incident are being lost.",
        },
      },
    ],
  };
}

/** Every group of a stack: one per service, then the shared one. */
export function ruleGroups(
  services: readonly MonitoredService[],
  namespace: string,
  logsNamespace: string,
  thresholds: AlertThresholds,
): RuleGroup[] {
  return [
    ...services.map((s) => serviceRuleGroup(s, namespace, thresholds)),
    platformRuleGroup(namespace, logsNamespace),
  ];
}
