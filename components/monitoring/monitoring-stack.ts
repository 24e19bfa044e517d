import type * as pulumi from "@pulumi/pulumi";
import type { RuleGroup } from "./rules";

// What a profile's monitoring gives the program: where PodMonitors are read from, where alert
// rules are evaluated and how dashboards reach Grafana. In-cluster: Prometheus Operator,
// Alertmanager and Grafana from kube-prometheus-stack; Azure: managed Prometheus and Managed
// Grafana. Monitors, rules and dashboards are generated once (rules.ts, dashboards.ts, monitors.ts).

export interface MonitoringStack {
  /** API group of the PodMonitor kind the scraper reads (`monitoring.coreos.com` upstream). */
  monitorApiGroup: string;
  /** What monitors must wait for (the CRDs). */
  ready: pulumi.Resource[];
  /** Registers alert rule groups where this stack evaluates them. */
  addRules(name: string, groups: RuleGroup[], parent: pulumi.Resource): void;
  /** Registers one dashboard (Grafana JSON model). */
  addDashboard(name: string, dashboard: Record<string, unknown>, parent: pulumi.Resource): void;
  /** Stack outputs (Grafana and Prometheus URLs). */
  outputs: Record<string, pulumi.Input<unknown>>;
}
