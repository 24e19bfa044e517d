// Kubernetes API versions the API server no longer serves, with the release that removed them and
// what replaces them (Kubernetes' "Deprecated API Migration Guide"). Every release listed is older
// than the oldest AKS version in support, so each entry fails on every cluster we deploy to.

export interface RemovedApi {
  /** apiVersion as written in manifests (`extensions/v1beta1`, `autoscaling/v2beta2`). */
  apiVersion: string;
  /** Kinds of that version; undefined = every kind the version served. */
  kinds?: readonly string[];
  /** Kubernetes release that stopped serving it, e.g. "1.25". */
  removedIn: string;
  /** What to write instead (apiVersion, and the field changes that matter). */
  replacement: string;
}

export const REMOVED_APIS: readonly RemovedApi[] = [
  // 1.16
  {
    apiVersion: "extensions/v1beta1",
    kinds: ["Deployment", "DaemonSet", "ReplicaSet"],
    removedIn: "1.16",
    replacement: "apps/v1 (spec.selector is required)",
  },
  {
    apiVersion: "extensions/v1beta1",
    kinds: ["NetworkPolicy"],
    removedIn: "1.16",
    replacement: "networking.k8s.io/v1",
  },
  {
    apiVersion: "extensions/v1beta1",
    kinds: ["PodSecurityPolicy"],
    removedIn: "1.16",
    replacement: "Pod Security Admission namespace labels (PodSecurityPolicy itself was removed in 1.25)",
  },
  {
    apiVersion: "apps/v1beta1",
    removedIn: "1.16",
    replacement: "apps/v1 (spec.selector is required)",
  },
  {
    apiVersion: "apps/v1beta2",
    removedIn: "1.16",
    replacement: "apps/v1 (spec.selector is required)",
  },
  // 1.22
  {
    apiVersion: "extensions/v1beta1",
    kinds: ["Ingress"],
    removedIn: "1.22",
    replacement:
      "networking.k8s.io/v1 (pathType is required; backend.serviceName/servicePort become backend.service.name/port)",
  },
  {
    apiVersion: "networking.k8s.io/v1beta1",
    kinds: ["Ingress", "IngressClass"],
    removedIn: "1.22",
    replacement:
      "networking.k8s.io/v1 (pathType is required; backend.serviceName/servicePort become backend.service.name/port)",
  },
  {
    apiVersion: "admissionregistration.k8s.io/v1beta1",
    kinds: ["MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"],
    removedIn: "1.22",
    replacement: "admissionregistration.k8s.io/v1 (sideEffects and admissionReviewVersions are required)",
  },
  {
    apiVersion: "apiextensions.k8s.io/v1beta1",
    removedIn: "1.22",
    replacement: "apiextensions.k8s.io/v1 (a structural schema per version is required)",
  },
  {
    apiVersion: "apiregistration.k8s.io/v1beta1",
    removedIn: "1.22",
    replacement: "apiregistration.k8s.io/v1",
  },
  { apiVersion: "authentication.k8s.io/v1beta1", removedIn: "1.22", replacement: "authentication.k8s.io/v1" },
  { apiVersion: "authorization.k8s.io/v1beta1", removedIn: "1.22", replacement: "authorization.k8s.io/v1" },
  { apiVersion: "certificates.k8s.io/v1beta1", removedIn: "1.22", replacement: "certificates.k8s.io/v1" },
  { apiVersion: "coordination.k8s.io/v1beta1", removedIn: "1.22", replacement: "coordination.k8s.io/v1" },
  {
    apiVersion: "rbac.authorization.k8s.io/v1beta1",
    removedIn: "1.22",
    replacement: "rbac.authorization.k8s.io/v1",
  },
  { apiVersion: "scheduling.k8s.io/v1beta1", removedIn: "1.22", replacement: "scheduling.k8s.io/v1" },
  {
    apiVersion: "storage.k8s.io/v1beta1",
    kinds: ["CSIDriver", "CSINode", "StorageClass", "VolumeAttachment"],
    removedIn: "1.22",
    replacement: "storage.k8s.io/v1",
  },
  // 1.25
  { apiVersion: "batch/v1beta1", kinds: ["CronJob"], removedIn: "1.25", replacement: "batch/v1" },
  { apiVersion: "batch/v2alpha1", kinds: ["CronJob"], removedIn: "1.21", replacement: "batch/v1" },
  { apiVersion: "discovery.k8s.io/v1beta1", removedIn: "1.25", replacement: "discovery.k8s.io/v1" },
  { apiVersion: "events.k8s.io/v1beta1", removedIn: "1.25", replacement: "events.k8s.io/v1" },
  {
    apiVersion: "autoscaling/v2beta1",
    kinds: ["HorizontalPodAutoscaler"],
    removedIn: "1.25",
    replacement:
      "autoscaling/v2 (targetAverageUtilization becomes target: {type: Utilization, averageUtilization})",
  },
  {
    apiVersion: "policy/v1beta1",
    kinds: ["PodDisruptionBudget"],
    removedIn: "1.25",
    replacement: "policy/v1 (an empty selector now selects every pod of the namespace)",
  },
  {
    apiVersion: "policy/v1beta1",
    kinds: ["PodSecurityPolicy"],
    removedIn: "1.25",
    replacement:
      "Pod Security Admission (label the namespace pod-security.kubernetes.io/enforce: restricted)",
  },
  {
    apiVersion: "node.k8s.io/v1beta1",
    kinds: ["RuntimeClass"],
    removedIn: "1.25",
    replacement: "node.k8s.io/v1",
  },
  // 1.26
  {
    apiVersion: "autoscaling/v2beta2",
    kinds: ["HorizontalPodAutoscaler"],
    removedIn: "1.26",
    replacement: "autoscaling/v2",
  },
  {
    apiVersion: "flowcontrol.apiserver.k8s.io/v1beta1",
    removedIn: "1.26",
    replacement: "flowcontrol.apiserver.k8s.io/v1",
  },
  // 1.27
  {
    apiVersion: "storage.k8s.io/v1beta1",
    kinds: ["CSIStorageCapacity"],
    removedIn: "1.27",
    replacement: "storage.k8s.io/v1",
  },
  // 1.29, 1.32
  {
    apiVersion: "flowcontrol.apiserver.k8s.io/v1beta2",
    removedIn: "1.29",
    replacement: "flowcontrol.apiserver.k8s.io/v1",
  },
  {
    apiVersion: "flowcontrol.apiserver.k8s.io/v1beta3",
    removedIn: "1.32",
    replacement: "flowcontrol.apiserver.k8s.io/v1",
  },
];

const byVersion = new Map<string, RemovedApi[]>();
for (const r of REMOVED_APIS) {
  const list = byVersion.get(r.apiVersion);
  if (list) list.push(r);
  else byVersion.set(r.apiVersion, [r]);
}

/** The removal that applies to an apiVersion and kind, if any. */
export function removedApi(apiVersion: string, kind: string): RemovedApi | undefined {
  const list = byVersion.get(apiVersion);
  if (!list) return undefined;
  return list.find((r) => r.kinds?.includes(kind)) ?? list.find((r) => r.kinds === undefined);
}
