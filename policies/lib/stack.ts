// One index of a stack's resources, built once per `validateStack` resource list: objects by kind,
// namespace and name, workloads with their pod specs, ConfigMaps, autoscalers and PDBs. Stack
// checks look things up here instead of scanning the resource list again (no quadratic loops).

import type { PolicyResource } from "@pulumi/policy";
import { type ConfigMapLookup, configMapData, type ResolvedEnv, resolveEnv } from "./env";
import { at, isUnknown, num, plain, type Rec, str } from "./json";
import { kubeType, T } from "./k8s";
import { type Target, targetOf } from "./report";
import { type ContainerRef, type Workload, workloadOf } from "./workload";

export interface StackObject {
  resource: PolicyResource;
  type: string;
  props: Rec;
  target: Target;
  /** Kubernetes kind, undefined for other providers. */
  kind: string | undefined;
}

export interface StackWorkload {
  obj: StackObject;
  w: Workload;
}

export interface Scaler {
  source: StackObject;
  min: number;
  max: number | undefined; // undefined when unknown during preview
}

export interface StackIndex {
  objects: StackObject[];
  byType: Map<string, StackObject[]>;
  byKind: Map<string, StackObject[]>;
  workloads: StackWorkload[];
  /** Every namespace that holds an object or is declared by a Namespace object. */
  namespaces: Set<string>;
  namespaceObjects: Map<string, StackObject>;
  get(kind: string, namespace: string | undefined, name: string): StackObject | undefined;
  configMaps: ConfigMapLookup;
  /** A container's environment resolved against the stack's ConfigMaps (once per container). */
  envOf(c: ContainerRef, namespace: string): ResolvedEnv;
  /** HPAs and KEDA ScaledObjects keyed by `<namespace>/<Kind>/<name>` of their target. */
  scalers: Map<string, Scaler[]>;
  ofKind(kind: string): StackObject[];
}

const cache = new WeakMap<readonly PolicyResource[], StackIndex>();

export function workloadKey(namespace: string | undefined, kind: string, name: string): string {
  return `${namespace ?? ""}/${kind}/${name}`;
}

export function stackIndex(resources: readonly PolicyResource[]): StackIndex {
  const hit = cache.get(resources);
  if (hit) return hit;
  const objects: StackObject[] = [];
  const byType = new Map<string, StackObject[]>();
  const byKind = new Map<string, StackObject[]>();
  const byKey = new Map<string, StackObject>();
  const workloads: StackWorkload[] = [];
  const namespaces = new Set<string>();
  const namespaceObjects = new Map<string, StackObject>();
  const cmData = new Map<string, Record<string, string>>();
  const scalers = new Map<string, Scaler[]>();

  for (const r of resources) {
    const props = plain(r.props);
    const kt = kubeType(r.type);
    const obj: StackObject = {
      resource: r,
      type: r.type,
      props,
      target: targetOf(r.type, r.name, props, r.urn),
      kind: kt?.kind,
    };
    objects.push(obj);
    push(byType, r.type, obj);
    if (!kt) continue;
    push(byKind, kt.kind, obj);
    const ns = obj.target.namespace;
    byKey.set(workloadKey(ns, kt.kind, obj.target.name), obj);
    if (ns !== undefined) namespaces.add(ns);
    if (r.type === T.namespace) {
      namespaces.add(obj.target.name);
      namespaceObjects.set(obj.target.name, obj);
    } else if (r.type === T.configMap) {
      cmData.set(`${ns}/${obj.target.name}`, configMapData(props));
    } else if (kt.group === "autoscaling" && kt.kind === "HorizontalPodAutoscaler") {
      // Every version (v1, v2 and the removed v2beta1/v2beta2) has scaleTargetRef and min/maxReplicas.
      const ref = at(props, "spec", "scaleTargetRef");
      const kind = str(at(ref, "kind"));
      const name = str(at(ref, "name"));
      const max = at(props, "spec", "maxReplicas");
      if (kind && name) {
        push(scalers, workloadKey(ns, kind, name), {
          source: obj,
          min: num(at(props, "spec", "minReplicas")) ?? 1,
          max: isUnknown(max) ? undefined : (num(max) ?? 1),
        });
      }
    } else if (r.type === T.scaledObject) {
      const ref = at(props, "spec", "scaleTargetRef");
      const kind = str(at(ref, "kind")) ?? "Deployment";
      const name = str(at(ref, "name"));
      const max = at(props, "spec", "maxReplicaCount");
      if (name) {
        push(scalers, workloadKey(ns, kind, name), {
          source: obj,
          min: num(at(props, "spec", "minReplicaCount")) ?? 0,
          max: isUnknown(max) ? undefined : (num(max) ?? 100),
        });
      }
    }
    const w = workloadOf(r.type, props);
    if (w) workloads.push({ obj, w });
  }

  const envs = new Map<ContainerRef, ResolvedEnv>();
  const configMaps: ConfigMapLookup = (namespace, name) => cmData.get(`${namespace}/${name}`);
  const index: StackIndex = {
    objects,
    byType,
    byKind,
    workloads,
    namespaces,
    namespaceObjects,
    get: (kind, namespace, name) => byKey.get(workloadKey(namespace, kind, name)),
    configMaps,
    envOf: (c, namespace) => {
      let env = envs.get(c);
      if (!env) {
        env = resolveEnv(c, namespace, configMaps);
        envs.set(c, env);
      }
      return env;
    },
    scalers,
    ofKind: (kind) => byKind.get(kind) ?? [],
  };
  cache.set(resources, index);
  return index;
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}

export interface ReplicaInfo {
  /** Highest replica count the workload can reach; undefined when unknown during preview. */
  max: number | undefined;
  /** Replica count at the bottom of the range (static replicas, or the autoscaler's minimum). */
  min: number | undefined;
  /** Human explanation, e.g. `replicas: 3` or `HorizontalPodAutoscaler content (maxReplicas 10)`. */
  why: string;
}

const REPLICATED_KINDS = new Set(["Deployment", "StatefulSet", "ReplicaSet", "ReplicationController"]);

/** How many pods a workload can run at once: spec.replicas, an HPA or KEDA ScaledObject, or a DaemonSet. */
export function replicas(index: StackIndex, sw: StackWorkload): ReplicaInfo | undefined {
  const { w } = sw;
  if (w.kind === "DaemonSet")
    return { max: Number.POSITIVE_INFINITY, min: undefined, why: "a DaemonSet (one pod per node)" };
  if (!REPLICATED_KINDS.has(w.kind)) return undefined;
  const raw = at(w.props, "spec", "replicas");
  const scaler = (index.scalers.get(workloadKey(w.namespace, w.kind, w.name)) ?? [])[0];
  if (scaler) {
    const src = scaler.source.target;
    const field = scaler.source.kind === "ScaledObject" ? "maxReplicaCount" : "maxReplicas";
    return {
      max: scaler.max,
      min: scaler.min,
      why: `${src.kind} ${src.name} (${field} ${scaler.max ?? "unknown"})`,
    };
  }
  if (isUnknown(raw)) return { max: undefined, min: undefined, why: "replicas unknown during preview" };
  const n = num(raw) ?? 1;
  return { max: n, min: n, why: `replicas: ${n}` };
}
