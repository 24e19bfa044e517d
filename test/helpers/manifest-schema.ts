// Validates a Kubernetes object against the OpenAPI schema of its kind, using the generated
// models of kubernetes-models (built-in kinds), @kubernetes-models/gateway-api (Gateway API) and
// @kubernetes-models/prometheus-operator (PodMonitor, PrometheusRule; the Azure add-on's
// azmonitoring.coreos.com group has the same schema).

type Validatable = { validate(): void };
type ModelClass = new (data: unknown) => Validatable;

const groupFolder = (apiVersion: string) => (apiVersion.includes("/") ? apiVersion : `v1`);

async function loadModel(apiVersion: string, kind: string): Promise<ModelClass | undefined> {
  const [group = "", version = apiVersion] = apiVersion.includes("/") ? apiVersion.split("/") : [];
  const candidates = group.startsWith("gateway.networking")
    ? [`@kubernetes-models/gateway-api/${group}/${version}/${kind}`]
    : group === "monitoring.coreos.com" || group === "azmonitoring.coreos.com"
      ? [`@kubernetes-models/prometheus-operator/monitoring.coreos.com/${version}/${kind}`]
      : [`kubernetes-models/${groupFolder(apiVersion)}/${kind}`];
  for (const path of candidates) {
    try {
      const mod = (await import(/* @vite-ignore */ path)) as Record<string, ModelClass>;
      if (mod[kind]) return mod[kind];
    } catch {
      // not a kind this package models
    }
  }
  return undefined;
}

export interface SchemaResult {
  validated: boolean;
  error?: string;
}

export async function validateAgainstSchema(object: {
  apiVersion: string;
  kind: string;
}): Promise<SchemaResult> {
  const Model = await loadModel(object.apiVersion, object.kind);
  if (!Model) return { validated: false };
  // The Azure metrics add-on's group carries the upstream schema under another name.
  const upstream = object.apiVersion.startsWith("azmonitoring.coreos.com/")
    ? { ...object, apiVersion: object.apiVersion.replace(/^azmonitoring\./, "monitoring.") }
    : object;
  try {
    new Model(upstream).validate();
    return { validated: true };
  } catch (error) {
    return { validated: true, error: (error as Error).message };
  }
}
