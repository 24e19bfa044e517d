import * as pulumi from "@pulumi/pulumi";
import { objectLabels, selectorLabels } from "../kube/labels";
import { serviceDashboard } from "./dashboards";
import type { MonitoringStack } from "./monitoring-stack";
import { podMonitor } from "./monitors";
import { serviceRuleGroup } from "./rules";
import type { AlertThresholds, MonitoredService } from "./types";

// One service's monitoring: a PodMonitor on Caddy's :2019 metrics of its web pods, its alert
// rules and its dashboard, all derived from its catalog entry.

/** Named port of the web container that serves Caddy's and FrankenPHP's metrics. */
export const WEB_METRICS_PORT_NAME = "metrics";

export interface ServiceMonitoringArgs {
  service: MonitoredService;
  namespace: string;
  thresholds: AlertThresholds;
  stack: MonitoringStack;
}

export class ServiceMonitoring extends pulumi.ComponentResource {
  constructor(name: string, args: ServiceMonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:monitoring:ServiceMonitoring", name, {}, opts);
    const { service, namespace, stack } = args;
    podMonitor(
      `${name}-web-monitor`,
      {
        name: service.name,
        namespace,
        apiGroup: stack.monitorApiGroup,
        labels: objectLabels(service.name, "web"),
        selector: selectorLabels(service.name, "web"),
        port: WEB_METRICS_PORT_NAME,
        path: "/metrics",
      },
      { parent: this, dependsOn: stack.ready },
    );
    stack.addRules(`${name}-rules`, [serviceRuleGroup(service, namespace, args.thresholds)], this);
    stack.addDashboard(`${name}-dashboard`, serviceDashboard(service, namespace), this);
    this.registerOutputs({});
  }
}
