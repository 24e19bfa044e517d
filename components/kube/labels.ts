// Recommended Kubernetes labels (app.kubernetes.io/*): the selectors, the network policies and
// the policy pack all rely on them, so they are built in one place.

export const PART_OF = "platform";

export type ServiceComponentRole = "web" | "worker" | "migration" | "scheduled-job";
export type BackingComponentRole =
  | "database"
  | "database-setup"
  | "cache"
  | "message-broker"
  | "object-store"
  | "object-store-setup"
  | "log-store"
  | "log-shipper"
  | "gateway"
  | "http-cache";

export type Labels = Record<string, string>;

/** Labels that select the pods of one role of one workload; stable for the life of the workload. */
export function selectorLabels(name: string, component: ServiceComponentRole | BackingComponentRole): Labels {
  return { "app.kubernetes.io/name": name, "app.kubernetes.io/component": component };
}

/** Every object: selector labels plus ownership. */
export function objectLabels(name: string, component: ServiceComponentRole | BackingComponentRole): Labels {
  return {
    ...selectorLabels(name, component),
    "app.kubernetes.io/part-of": PART_OF,
    "app.kubernetes.io/managed-by": "pulumi",
  };
}

/** Labels of an object that belongs to a service as a whole (ConfigMap, Secret, Service). */
export function serviceLabels(name: string): Labels {
  return {
    "app.kubernetes.io/name": name,
    "app.kubernetes.io/part-of": PART_OF,
    "app.kubernetes.io/managed-by": "pulumi",
  };
}

/** Label key of the environment a namespace belongs to (read by the deploy-window policy). */
export const ENVIRONMENT_LABEL = "platform.internal/environment";
/** Prefix of the labels that describe an ephemeral (per-pipeline) namespace. */
export const EPHEMERAL_LABEL_PREFIX = "platform.internal/";
