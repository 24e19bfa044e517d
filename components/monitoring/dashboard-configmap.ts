import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { DASHBOARD_LABEL } from "./dashboards";

/** A dashboard as a ConfigMap labelled for Grafana's dashboard sidecar (one JSON file per map). */
export function dashboardConfigMap(
  name: string,
  namespace: string,
  model: Record<string, unknown>,
  parent: pulumi.Resource,
): k8s.core.v1.ConfigMap {
  const uid = String(model.uid);
  return new k8s.core.v1.ConfigMap(
    name,
    {
      metadata: {
        name: `dashboard-${uid}`.slice(0, 63),
        namespace,
        labels: { [DASHBOARD_LABEL]: "1", "app.kubernetes.io/part-of": "platform" },
      },
      data: { [`${uid}.json`]: JSON.stringify(model, null, 2) },
    },
    { parent },
  );
}
