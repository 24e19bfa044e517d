// The fields of a Kubernetes object that the stack-level policies read: the one declaration of
// them. A stack policy sees every resource of the stack at once, so the offline runner keeps each
// resource for it until the end of a run; keeping only these fields (not the probes, resources,
// security contexts, Helm values... that resource-level policies check one object at a time) is
// what keeps a run of 100,000 objects within its memory budget.
//
// Derived from the code that reads them: the stack index (./stack.ts: names, namespaces, labels and
// annotations, ConfigMap data, autoscalers, workloads through ./workload.ts), the environment
// resolution (./env.ts), the classification (./classify.ts, ./apps.ts), the exemptions of
// ./report.ts (annotations), and each policy with a `validateStack` (../checks). A stack policy that
// reads a field not listed here sees it missing: test/policies/stack-fields.test.ts runs the stack
// policies over every fixture with every field and with these only, and fails on any difference.
// Resources that are not Kubernetes objects (Azure, providers) are few and kept whole.

import { kubeType } from "./k8s";

/** `true` keeps a field whole; an object keeps only the listed fields (of each element of a list). */
export type FieldMask = true | { readonly [field: string]: FieldMask };

/** Every Kubernetes object: what the stack index and the exemptions read of any kind. */
const OBJECT: FieldMask = { metadata: { name: true, namespace: true, labels: true, annotations: true } };

/** A container: its name and role, what classifies it, its environment, its command and log mounts. */
const CONTAINER: FieldMask = {
  name: true,
  restartPolicy: true,
  image: true,
  command: true,
  args: true,
  env: true,
  envFrom: true,
  volumeMounts: true,
};

const POD_SPEC: FieldMask = {
  containers: CONTAINER,
  initContainers: CONTAINER,
  ephemeralContainers: CONTAINER,
};

const POD_TEMPLATE: FieldMask = { metadata: { labels: true }, spec: POD_SPEC };

const REPLICATED: FieldMask = { spec: { replicas: true, template: POD_TEMPLATE } };

/** Per kind, beyond OBJECT. A kind not listed keeps OBJECT only. */
export const STACK_FIELDS: Readonly<Record<string, FieldMask>> = {
  Deployment: REPLICATED,
  StatefulSet: REPLICATED,
  ReplicaSet: REPLICATED,
  ReplicationController: REPLICATED,
  DaemonSet: { spec: { template: POD_TEMPLATE } },
  Job: { spec: { template: POD_TEMPLATE } },
  CronJob: { spec: { jobTemplate: { spec: { template: POD_TEMPLATE } } } },
  Pod: { spec: POD_SPEC },
  ConfigMap: { data: true },
  Service: { spec: { selector: true } },
  PodDisruptionBudget: { spec: { selector: true, minAvailable: true, maxUnavailable: true } },
  NetworkPolicy: { spec: { podSelector: true, policyTypes: true, ingress: true, egress: true } },
  HorizontalPodAutoscaler: {
    spec: { scaleTargetRef: { kind: true, name: true }, minReplicas: true, maxReplicas: true },
  },
  ScaledObject: {
    spec: { scaleTargetRef: { kind: true, name: true }, minReplicaCount: true, maxReplicaCount: true },
  },
  PodMonitor: { spec: { selector: true, namespaceSelector: true } },
  ServiceMonitor: { spec: { selector: true, namespaceSelector: true } },
  PrometheusRule: { spec: { groups: true } },
  // Helm charts and releases of @pulumi/kubernetes (kubernetes:helm.sh/v3:Chart|Release): which chart.
  Chart: { chart: true },
  Release: { chart: true },
};

/** A mask as the copy reads it: a map from field to what to keep of it. */
type Compiled = true | ReadonlyMap<string, Compiled>;

const masks = new Map<string, Compiled>();

/** OBJECT and the kind's own fields, merged and compiled once per kind. */
function maskOf(kind: string): Compiled {
  let mask = masks.get(kind);
  if (!mask) {
    mask = compile(merge(OBJECT, STACK_FIELDS[kind] ?? {}));
    masks.set(kind, mask);
  }
  return mask;
}

function merge(a: FieldMask, b: FieldMask): FieldMask {
  if (a === true || b === true) return true;
  const out: Record<string, FieldMask> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const mine = out[k];
    out[k] = mine === undefined ? v : merge(mine, v);
  }
  return out;
}

function compile(mask: FieldMask): Compiled {
  return mask === true ? true : new Map(Object.entries(mask).map(([k, v]) => [k, compile(v)]));
}

function pick(value: unknown, mask: Compiled): unknown {
  if (mask === true || typeof value !== "object" || value === null) return value;
  if (Array.isArray(value)) {
    const list: unknown[] = new Array(value.length);
    for (let i = 0; i < value.length; i++) list[i] = pick(value[i], mask);
    return list;
  }
  const src = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  // In the object's own key order (a policy may iterate it).
  for (const k in src) {
    const m = mask.get(k);
    if (m === undefined || !Object.hasOwn(src, k)) continue;
    const v = src[k];
    if (v !== undefined) out[k] = pick(v, m);
  }
  return out;
}

/**
 * The props a stack policy needs of a resource: for a Kubernetes object a copy holding the fields of
 * STACK_FIELDS (values shared with `props`, not copied); any other resource as it is.
 */
export function stackFields(type: string, props: Record<string, unknown>): Record<string, unknown> {
  const t = kubeType(type);
  if (!t) return props;
  return pick(props, maskOf(t.kind)) as Record<string, unknown>;
}
