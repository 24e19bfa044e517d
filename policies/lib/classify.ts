// Image references and workload classification: which workloads are *application* workloads (the
// Symfony/FrankenPHP services the field-note checks are about) and which are infrastructure
// (databases, caches, log pipeline...) that must not trip application rules.

import { strs } from "./json";
import { glob } from "./report";
import type { Workload } from "./workload";

export interface ImageRef {
  /** Repository without registry host, e.g. `grafana/loki`. */
  repository: string;
  /** Last path segment of the repository, e.g. `loki`. */
  name: string;
  tag: string | undefined;
  digest: string | undefined;
}

export function parseImage(image: string): ImageRef {
  let rest = image.trim();
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf("/");
  const colon = rest.lastIndexOf(":");
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  const parts = rest.split("/");
  // A first segment with a dot or a port, or `localhost`, is a registry host.
  const first = parts[0] ?? "";
  if (parts.length > 1 && (first.includes(".") || first.includes(":") || first === "localhost"))
    parts.shift();
  const repository = parts.join("/");
  return { repository, name: parts[parts.length - 1] ?? repository, tag, digest };
}

const INFRA_IMAGE =
  /^(postgres|postgresql|pgbouncer|redis|redis-stack|valkey|keydb|memcached|rabbitmq|minio|mc|azurite|varnish|loki|promtail|alloy|grafana|grafana-agent|prometheus|alertmanager|pushgateway|fluent-bit|fluentbit|fluentd|vector|otel-collector|opentelemetry-collector|opentelemetry-collector-contrib|opentelemetry-collector-k8s|otelcol|otelcol-contrib|tempo|mimir|jaeger|mysql|mariadb|mongo|mongodb|elasticsearch|opensearch|kafka|zookeeper|etcd|nats|consul|vault|traefik|envoy|haproxy|nginx|caddy|mailhog|mailpit|busybox|pause|coredns|cert-manager-controller|external-dns|kube-state-metrics|node-exporter|blackbox-exporter|clickhouse|keycloak)(-[a-z0-9-]+)?$/;

export function isInfrastructureImage(image: string): boolean {
  return INFRA_IMAGE.test(parseImage(image).name.toLowerCase());
}

const LOG_SHIPPER_IMAGE =
  /^(alloy|promtail|grafana-agent|fluent-bit|fluentbit|fluentd|vector|otel-collector|opentelemetry-collector(-contrib|-k8s)?|otelcol(-contrib)?|filebeat|logstash)$/;

export function isLogShipperImage(image: string): boolean {
  return LOG_SHIPPER_IMAGE.test(parseImage(image).name.toLowerCase());
}

export function isLokiImage(image: string): boolean {
  return /^loki$/.test(parseImage(image).name.toLowerCase());
}

export const COMPONENT_LABEL = "app.kubernetes.io/component";

/** Components stack-level policies look for, named as in the COMPONENT_LABEL label. */
export const STACK_COMPONENTS = ["log-shipper", "log-store"] as const;
export type StackComponent = (typeof STACK_COMPONENTS)[number];

/** What a Helm chart installs, by its name (`loki`, `grafana/alloy`, `fluent-bit`...). */
export function chartComponents(chart: string): StackComponent[] {
  const name = chart.toLowerCase();
  const out: StackComponent[] = [];
  if (/alloy|promtail|fluent-?bit|vector|opentelemetry-collector|grafana-agent/.test(name))
    out.push("log-shipper");
  if (/loki/.test(name)) out.push("log-store");
  return out;
}
const APP_COMPONENTS = new Set(["web", "worker", "migration", "scheduled-job"]);
const BACKING_COMPONENTS = new Set([
  "database",
  "cache",
  "message-broker",
  "object-store",
  "log-store",
  "log-shipper",
  "gateway",
]);

export function componentOf(w: Workload): string | undefined {
  return w.podLabels[COMPONENT_LABEL] ?? w.labels[COMPONENT_LABEL];
}

export function images(w: Workload): string[] {
  return w.containers.map((c) => c.spec.image).filter((i): i is string => typeof i === "string");
}

/**
 * The application-workload rule (documented in README.md):
 * 1. `app.kubernetes.io/component` is a backing-service value (database, cache, log-shipper, ...) -> no;
 * 2. it is web, worker, migration or scheduled-job -> yes;
 * 3. an image matches the policy's `applicationImages` globs -> yes;
 * 4. a regular container sets `APP_ENV` (literal or from a ConfigMap) and not every image is a
 *    recognised infrastructure image -> yes;
 * 5. otherwise no (Postgres, Redis, Loki, Alloy... never trip application rules).
 */
export function isApplicationWorkload(
  w: Workload,
  setsAppEnv: (w: Workload) => boolean,
  applicationImages: string[],
): boolean {
  const component = componentOf(w);
  if (component !== undefined && BACKING_COMPONENTS.has(component)) return false;
  if (component !== undefined && APP_COMPONENTS.has(component)) return true;
  const imgs = images(w);
  if (imgs.some((i) => applicationImages.some((g) => glob(g, i)))) return true;
  if (imgs.length > 0 && imgs.every(isInfrastructureImage)) return false;
  return setsAppEnv(w);
}

export function applicationImagesOf(cfg: Record<string, unknown>): string[] {
  return strs(cfg.applicationImages);
}
