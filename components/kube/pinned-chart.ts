import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";

// An upstream Helm chart at a pinned version: one place that turns a pin into the provider's Chart
// (the in-cluster monitoring stack, Loki on Azure, cert-manager).

export interface ChartPin {
  /** A classic chart repository; absent for an `oci://` chart reference. */
  repo?: string;
  chart: string;
  version: string;
}

export function pinnedChart(
  name: string,
  pin: ChartPin,
  args: { release: string; namespace: pulumi.Input<string>; values: pulumi.Input<Record<string, unknown>> },
  opts: pulumi.ComponentResourceOptions,
): k8s.helm.v4.Chart {
  return new k8s.helm.v4.Chart(
    name,
    {
      name: args.release,
      chart: pin.chart,
      version: pin.version,
      ...(pin.repo ? { repositoryOpts: { repo: pin.repo } } : {}),
      namespace: args.namespace,
      values: args.values,
    },
    opts,
  );
}
