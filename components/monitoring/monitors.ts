import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { type BackingComponentRole, type Labels, PART_OF } from "../kube/labels";
import { SERVICE_LABEL } from "./types";

// PodMonitors: which pods Prometheus scrapes, on which named port. The `service` label of every
// sample comes from the pod's app.kubernetes.io/name, so rules and dashboards select by service.

/** The named container port Prometheus scrapes on every backing server. */
export const METRICS_PORT_NAME = "metrics";

/** Backing servers of one role (`app.kubernetes.io/component`) that serve metrics on their `metrics` port. */
export interface ScrapeTarget {
  component: BackingComponentRole;
  path: string;
  params?: Record<string, string[]>;
}

export interface PodMonitorArgs {
  name: string;
  namespace: string;
  apiGroup: string;
  labels: Labels;
  /** Pods to scrape. */
  selector: Labels;
  port: string;
  path: string;
  /**
   * Query parameters (RabbitMQ's per-queue families).
   * @default - no query parameters
   */
  params?: Record<string, string[]>;
  /** How often Prometheus scrapes the target. @default "30s" */
  interval?: string;
}

export function podMonitor(
  resourceName: string,
  args: PodMonitorArgs,
  opts: pulumi.CustomResourceOptions,
): k8s.apiextensions.CustomResource {
  return new k8s.apiextensions.CustomResource(
    resourceName,
    {
      apiVersion: `${args.apiGroup}/v1`,
      kind: "PodMonitor",
      metadata: { name: args.name, namespace: args.namespace, labels: args.labels },
      spec: {
        selector: { matchLabels: args.selector },
        namespaceSelector: { matchNames: [args.namespace] },
        podMetricsEndpoints: [
          {
            port: args.port,
            path: args.path,
            interval: args.interval ?? "30s",
            ...(args.params ? { params: args.params } : {}),
            relabelings: [
              {
                sourceLabels: ["__meta_kubernetes_pod_label_app_kubernetes_io_name"],
                targetLabel: SERVICE_LABEL,
              },
            ],
          },
        ],
      },
    },
    opts,
  );
}

/** One PodMonitor per scrape target: selects the role's pods of the platform in the namespace. */
export function backingMonitors(
  targets: readonly ScrapeTarget[],
  args: { namespace: string; apiGroup: string; portName: string },
  opts: pulumi.CustomResourceOptions,
): void {
  for (const t of targets) {
    podMonitor(
      `${t.component}-monitor`,
      {
        name: t.component,
        namespace: args.namespace,
        apiGroup: args.apiGroup,
        labels: { "app.kubernetes.io/component": t.component, "app.kubernetes.io/part-of": PART_OF },
        selector: { "app.kubernetes.io/component": t.component, "app.kubernetes.io/part-of": PART_OF },
        port: args.portName,
        path: t.path,
        ...(t.params ? { params: t.params } : {}),
      },
      opts,
    );
  }
}
