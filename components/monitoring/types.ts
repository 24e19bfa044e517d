// What monitoring needs to know about one service: derived from the catalog by the program, so
// monitors, alert rules and dashboards follow the catalog without restating it.

export interface MonitoredQueue {
  name: string;
  /** The queue has a dead-letter queue `<name>.dlq`. */
  deadLetter: boolean;
}

export interface MonitoredService {
  /** The service's name: its web Deployment, its Service and the `service` label of its metrics. */
  name: string;
  /** Public path prefixes on the gateway (none for internal services). */
  routes: string[];
  /** Message consumers, each a Deployment `<service>-<consumer>`. */
  consumers: string[];
  /** Queues the service declares on the broker. */
  queues: MonitoredQueue[];
  /** The service runs a migration Job before each rollout (it has a database). */
  migrates: boolean;
  /**
   * When a route of it is cached: the cache tier's `service` label and this service's name as a
   * backend of it (the `backend` label of varnish_backend_*).
   */
  cache?: { tier: string; backend: string };
}

/** The HTTP cache tier as monitoring sees it. */
export interface MonitoredCache {
  /** Its pods' app.kubernetes.io/name: the `service` label of its samples. */
  name: string;
  /** Pod labels the PodMonitor selects, and the labels it carries itself. */
  selector: Readonly<Record<string, string>>;
  labels: Readonly<Record<string, string>>;
  /** The exporter sidecar's named port. */
  port: string;
  /** The services behind cached routes: their p95 latency is the cache's backend fetch time. */
  backends: readonly string[];
}

/** Alert thresholds, from stack config (`platform:monitoring.alerts`). */
export interface AlertThresholds {
  /** Share of 5xx answers (0..1) above which a service pages. */
  errorRatio: number;
  /** 95th percentile request duration, in seconds, above which a service warns. */
  latencyP95Seconds: number;
  /** Ready messages waiting in one queue for 15 minutes before a warning. */
  queueDepth: number;
}

/** Metrics labels set by the monitors (relabelled from the pods' recommended labels). */
export const SERVICE_LABEL = "service";
