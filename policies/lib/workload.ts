// Pod-spec extraction for every pod-template kind, container iteration (regular, init and ephemeral
// containers) and the effective securityContext (container-level overrides pod-level, as Pod
// Security Admission evaluates it).

import { at, num, plain, type Rec, rec, recs, str, type Unknown } from "./json";
import { kubeType, type Meta, meta } from "./k8s";
import { Recent } from "./recent";

/** Where the pod spec lives for each kind. */
const POD_SPEC_PATH: Record<string, string[]> = {
  Deployment: ["spec", "template", "spec"],
  StatefulSet: ["spec", "template", "spec"],
  DaemonSet: ["spec", "template", "spec"],
  ReplicaSet: ["spec", "template", "spec"],
  ReplicationController: ["spec", "template", "spec"],
  Job: ["spec", "template", "spec"],
  CronJob: ["spec", "jobTemplate", "spec", "template", "spec"],
  Pod: ["spec"],
};

/** extensions/v1beta1 served Deployments, DaemonSets and ReplicaSets before apps/v1 (removed-api flags it). */
const POD_GROUPS = new Set(["apps", "batch", "core", "extensions"]);

/** Kinds whose pods run until replaced (as opposed to Jobs and CronJobs, which run to completion). */
const LONG_RUNNING = new Set([
  "Deployment",
  "StatefulSet",
  "DaemonSet",
  "ReplicaSet",
  "ReplicationController",
  "Pod",
]);

export type ContainerRole = "container" | "initContainer" | "ephemeralContainer";

export interface ContainerRef {
  name: string;
  role: ContainerRole;
  /** A native sidecar: an init container with `restartPolicy: Always` runs for the pod's lifetime. */
  sidecar: boolean;
  spec: Rec;
  /** Field path of the container, e.g. `spec.template.spec.containers[0]`. */
  path: string;
}

export interface Workload extends Meta {
  type: string;
  kind: string;
  name: string;
  props: Rec;
  podSpec: Rec;
  podSpecPath: string;
  /** Labels of the pods (template labels; a bare Pod's own labels). */
  podLabels: Record<string, string>;
  /** Annotations of the pods (template annotations; a bare Pod's own), string values only. */
  podAnnotations: Record<string, string>;
  longRunning: boolean;
  containers: ContainerRef[];
  windows: boolean;
}

const cache = new Recent<Rec, Workload | null>();

/** The workload view of a resource, or undefined when it has no pod template (the last few remembered). */
export function workloadOf(type: string, rawProps: unknown): Workload | undefined {
  const t = kubeType(type);
  if (!t || !POD_GROUPS.has(t.group)) return undefined;
  const path = POD_SPEC_PATH[t.kind];
  if (!path) return undefined;
  const props = plain(rawProps);
  const hit = cache.get(props);
  if (hit !== undefined) return hit ?? undefined;
  const podSpec = rec(at(props, ...path));
  if (!podSpec) {
    cache.set(props, null);
    return undefined;
  }
  const m = meta(t.kind, props);
  const podMetaPath = t.kind === "Pod" ? ["metadata"] : [...path.slice(0, -1), "metadata"];
  const podLabels = t.kind === "Pod" ? m.labels : stringsAt(props, [...podMetaPath, "labels"]);
  const podAnnotations = t.kind === "Pod" ? m.annotations : stringsAt(props, [...podMetaPath, "annotations"]);
  const specPath = path.join(".");
  const containers: ContainerRef[] = [];
  const push = (field: string, role: ContainerRole) => {
    recs(podSpec[field]).forEach((spec, i) => {
      containers.push({
        name: str(spec.name) ?? `#${i}`,
        role,
        sidecar: role === "initContainer" && str(spec.restartPolicy) === "Always",
        spec,
        path: `${specPath}.${field}[${i}]`,
      });
    });
  };
  push("initContainers", "initContainer");
  push("containers", "container");
  push("ephemeralContainers", "ephemeralContainer");
  const w: Workload = {
    ...m,
    type,
    kind: t.kind,
    name: m.name ?? "(unnamed)",
    props,
    podSpec,
    podSpecPath: specPath,
    podLabels,
    podAnnotations,
    longRunning: LONG_RUNNING.has(t.kind),
    containers,
    windows: str(at(podSpec, "os", "name")) === "windows",
  };
  cache.set(props, w);
  return w;
}

function stringsAt(props: Rec, path: string[]): Record<string, string> {
  const map = rec(at(props, ...path));
  const out: Record<string, string> = {};
  if (!map) return out;
  for (const [k, v] of Object.entries(map)) if (typeof v === "string") out[k] = v;
  return out;
}

export function roleLabel(c: ContainerRef): string {
  if (c.role === "initContainer") return c.sidecar ? "sidecar container" : "init container";
  if (c.role === "ephemeralContainer") return "ephemeral container";
  return "container";
}

/** Containers that run for the pod's lifetime: regular containers and native sidecars. */
export function servingContainers(w: Workload): ContainerRef[] {
  return w.containers.filter((c) => c.role === "container" || c.sidecar);
}

/** Regular and init containers (ephemeral debug containers cannot carry resources or probes). */
export function declaredContainers(w: Workload): ContainerRef[] {
  return w.containers.filter((c) => c.role !== "ephemeralContainer");
}

// ---- securityContext -------------------------------------------------------------------------

export interface Effective<T> {
  value: T | undefined | Unknown;
  /** Where the value came from, for messages. */
  from: "container" | "pod" | "unset";
}

/** A securityContext field with pod-level inheritance (runAsNonRoot, runAsUser, seccompProfile...). */
export function effective(w: Workload, c: ContainerRef, field: string): Effective<unknown> {
  const own = at(c.spec, "securityContext", field);
  if (own !== undefined && own !== null) return { value: own, from: "container" };
  const pod = at(w.podSpec, "securityContext", field);
  if (pod !== undefined && pod !== null) return { value: pod, from: "pod" };
  return { value: undefined, from: "unset" };
}

export function containerSecurity(c: ContainerRef, field: string): unknown {
  return at(c.spec, "securityContext", field);
}

// ---- ports and probes --------------------------------------------------------------------------

/** Resolves a probe's port (number or named container port) to a number. */
export function resolvePort(c: ContainerRef, port: unknown): number | undefined {
  if (typeof port === "number") return port;
  if (typeof port === "string") {
    if (/^\d+$/.test(port)) return Number(port);
    for (const p of recs(c.spec.ports)) {
      if (str(p.name) === port) return num(p.containerPort);
    }
  }
  return undefined;
}
