import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { Labels } from "../kube/labels";
import { SERVICE_LABEL } from "./types";

// PodMonitors: which pods Prometheus scrapes, on which named port. The `service` label of every
// sample comes from the pod's app.kubernetes.io/name, so rules and dashboards select by service.

export interface PodMonitorArgs {
  name: string;
  namespace: string;
  apiGroup: string;
  labels: Labels;
  /** Pods to scrape. */
  selector: Labels;
  port: string;
  path: string;
  /** Query parameters (RabbitMQ's per-queue families). */
  params?: Record<string, string[]>;
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
