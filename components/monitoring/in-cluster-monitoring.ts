import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { clusterHost } from "../kube/cluster-dns";
import { pinnedChart } from "../kube/pinned-chart";
import { fixedResources, type RequestScale } from "../kube/resources";
import { dashboardConfigMap } from "./dashboard-configmap";
import { DASHBOARD_LABEL } from "./dashboards";
import type { MonitoringStack } from "./monitoring-stack";
import type { RuleGroup } from "./rules";

// A small Prometheus, Alertmanager and Grafana in the cluster, from the maintained upstream chart
// (kube-prometheus-stack, pinned): Prometheus Operator and its CRDs, kube-state-metrics (restarts,
// CrashLoopBackOff, failed Jobs), one Prometheus and one Alertmanager replica, Grafana with its
// dashboard sidecar. No node exporter: it needs host access the platform does not grant.

export const MONITORING_CHART = {
  repo: "https://prometheus-community.github.io/helm-charts",
  chart: "kube-prometheus-stack",
  version: "79.7.1",
} as const;
const RELEASE = "monitoring";

export interface InClusterMonitoringArgs {
  namespace: string;
  /** How long Prometheus keeps samples, e.g. "7d". */
  retention: string;
  /**
   * Alertmanager configuration (routes and receivers), a Pulumi secret when it holds URLs.
   * @default - the chart's own Alertmanager configuration (alerts fire, no receiver is notified)
   */
  alertmanagerConfig?: pulumi.Input<Record<string, unknown>>;
  /**
   * The stack's `platform:requestScale`: a factor on the CPU and memory requests the chart values
   * set (Prometheus, Alertmanager, Grafana, the operator, kube-state-metrics); limits unchanged.
   * @default 1 (requests as sized)
   */
  requestScale?: RequestScale;
}

/** Chart values: everything not needed here is off; Prometheus reads monitors of every namespace. */
export function monitoringValues(args: {
  retention: string;
  grafanaSecret: pulumi.Input<string>;
  alertmanagerConfig?: pulumi.Input<Record<string, unknown>>;
  requestScale?: RequestScale;
}): Record<string, unknown> {
  const small = (cpuMillis: number, memoryMiB: number) =>
    fixedResources(cpuMillis, memoryMiB, args.requestScale);
  return {
    fullnameOverride: RELEASE,
    crds: { enabled: true },
    defaultRules: { create: false },
    nodeExporter: { enabled: false },
    kubeEtcd: { enabled: false },
    kubeScheduler: { enabled: false },
    kubeControllerManager: { enabled: false },
    kubeProxy: { enabled: false },
    prometheusOperator: { resources: small(50, 128) },
    "kube-state-metrics": { resources: small(20, 128) },
    prometheus: {
      prometheusSpec: {
        replicas: 1,
        retention: args.retention,
        resources: small(200, 1024),
        // Monitors and rules of every namespace, whatever their labels.
        podMonitorSelectorNilUsesHelmValues: false,
        serviceMonitorSelectorNilUsesHelmValues: false,
        ruleSelectorNilUsesHelmValues: false,
      },
    },
    alertmanager: {
      alertmanagerSpec: { replicas: 1, resources: small(20, 64) },
      ...(args.alertmanagerConfig ? { config: args.alertmanagerConfig } : {}),
    },
    grafana: {
      // Never the chart's well-known default password.
      admin: { existingSecret: args.grafanaSecret, userKey: "admin-user", passwordKey: "admin-password" },
      resources: small(50, 256),
      sidecar: { dashboards: { enabled: true, label: DASHBOARD_LABEL, labelValue: "1" } },
    },
  };
}

export class InClusterMonitoring extends pulumi.ComponentResource implements MonitoringStack {
  readonly monitorApiGroup = "monitoring.coreos.com";
  readonly ready: pulumi.Resource[];
  readonly outputs: Record<string, pulumi.Input<unknown>>;
  private readonly namespace: string;

  constructor(name: string, args: InClusterMonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:monitoring:InClusterMonitoring", name, {}, opts);
    this.namespace = args.namespace;
    const password = new random.RandomPassword(
      `${name}-grafana-password`,
      { length: 32, special: false },
      { parent: this },
    );
    const grafanaSecret = new k8s.core.v1.Secret(
      `${name}-grafana-admin`,
      {
        metadata: { name: "grafana-admin", namespace: args.namespace },
        type: "Opaque",
        stringData: { "admin-user": "admin", "admin-password": password.result },
      },
      { parent: this },
    );
    const chart = pinnedChart(
      `${name}-chart`,
      MONITORING_CHART,
      {
        release: RELEASE,
        namespace: args.namespace,
        values: monitoringValues({
          retention: args.retention,
          grafanaSecret: grafanaSecret.metadata.name,
          ...(args.alertmanagerConfig ? { alertmanagerConfig: args.alertmanagerConfig } : {}),
          requestScale: args.requestScale,
        }),
      },
      { parent: this, dependsOn: [grafanaSecret] },
    );
    this.ready = [chart];
    const svc = (service: string, port: number) =>
      `http://${clusterHost(`${RELEASE}-${service}`, args.namespace)}:${port}`;
    this.outputs = {
      prometheusUrl: svc("prometheus", 9090),
      alertmanagerUrl: svc("alertmanager", 9093),
      grafanaUrl: `http://${clusterHost(`${RELEASE}-grafana`, args.namespace)}:80`,
    };
    this.registerOutputs(this.outputs);
  }

  addRules(name: string, groups: RuleGroup[], parent: pulumi.Resource): void {
    new k8s.apiextensions.CustomResource(
      name,
      {
        apiVersion: `${this.monitorApiGroup}/v1`,
        kind: "PrometheusRule",
        metadata: { name: groups[0]?.name.replace(/\./g, "-") ?? name, namespace: this.namespace },
        spec: { groups },
      },
      { parent, dependsOn: this.ready },
    );
  }

  addDashboard(name: string, model: Record<string, unknown>, parent: pulumi.Resource): void {
    dashboardConfigMap(name, this.namespace, model, parent);
  }
}
