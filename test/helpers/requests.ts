import { reveal } from "../../tools/plan/redact";
import { isKubernetesObject } from "../../tools/plan/render";
import type { RecordedResource } from "../../tools/plan/runtime";

// What a planned stack asks the scheduler for: the CPU and memory requests of every pod it would
// run, read from the registered resources (the objects of out/<stack>/manifests and the values of
// the Helm charts it installs), for the tests that check a stack fits a cluster.

/** CPU in millicores, memory in MiB. */
export interface Requests {
  cpuMillis: number;
  memoryMiB: number;
}

const ZERO: Requests = { cpuMillis: 0, memoryMiB: 0 };

const add = (a: Requests, b: Requests): Requests => ({
  cpuMillis: a.cpuMillis + b.cpuMillis,
  memoryMiB: a.memoryMiB + b.memoryMiB,
});
const times = (a: Requests, n: number): Requests => ({
  cpuMillis: a.cpuMillis * n,
  memoryMiB: a.memoryMiB * n,
});
const max = (a: Requests, b: Requests): Requests => ({
  cpuMillis: Math.max(a.cpuMillis, b.cpuMillis),
  memoryMiB: Math.max(a.memoryMiB, b.memoryMiB),
});

const SUFFIXES: Record<string, number> = {
  "": 1,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
};

/** A Kubernetes quantity ("250m", "1", "512Mi", "1Gi") in base units (cores, bytes). */
export function quantity(text: string | number): number {
  if (typeof text === "number") return text;
  const m = /^([0-9.]+)([a-zA-Z]*)$/.exec(text);
  const factor = m ? SUFFIXES[m[2] ?? ""] : undefined;
  if (!m || factor === undefined) throw new Error(`not a Kubernetes quantity: ${text}`);
  return Number(m[1]) * factor;
}

type Rec = Record<string, unknown>;
const isRec = (v: unknown): v is Rec => typeof v === "object" && v !== null && !Array.isArray(v);

/** A container's (or chart value's) `resources.requests`, zero for what it leaves out. */
export function requestsOf(resources: unknown): Requests {
  const requests = isRec(resources) && isRec(resources.requests) ? resources.requests : {};
  const cpu = requests.cpu as string | number | undefined;
  const memory = requests.memory as string | number | undefined;
  return {
    cpuMillis: cpu === undefined ? 0 : Math.round(quantity(cpu) * 1000),
    memoryMiB: memory === undefined ? 0 : quantity(memory) / 2 ** 20,
  };
}

/** What the scheduler reserves for a pod: its containers together, or its largest init container. */
export function podRequests(pod: Rec): Requests {
  const containers = (pod.containers as Rec[] | undefined) ?? [];
  const inits = (pod.initContainers as Rec[] | undefined) ?? [];
  const running = containers.reduce((sum, c) => add(sum, requestsOf(c.resources)), ZERO);
  return inits.reduce((most, c) => max(most, requestsOf(c.resources)), running);
}

/** The pod template of a workload object and how many pods of it run at once (one node). */
function podsOf(object: Rec): { pod: Rec; count: number } | undefined {
  const spec = isRec(object.spec) ? object.spec : undefined;
  if (!spec) return undefined;
  const template = (path: unknown): Rec | undefined =>
    isRec(path) && isRec(path.spec) ? (path.spec as Rec) : undefined;
  switch (object.kind) {
    case "Deployment":
    case "StatefulSet":
      return { pod: template(spec.template) ?? {}, count: (spec.replicas as number | undefined) ?? 1 };
    case "DaemonSet":
      return { pod: template(spec.template) ?? {}, count: 1 };
    case "Job":
      return { pod: template(spec.template) ?? {}, count: (spec.parallelism as number | undefined) ?? 1 };
    case "CronJob": {
      const job = isRec(spec.jobTemplate) ? (spec.jobTemplate.spec as Rec) : {};
      return { pod: template(job.template) ?? {}, count: (job.parallelism as number | undefined) ?? 1 };
    }
    case "Pod":
      return { pod: spec, count: 1 };
    default:
      return undefined;
  }
}

/** Every `resources.requests` in a chart's values (each chart component runs one pod here). */
function chartValueRequests(values: unknown): Requests {
  if (Array.isArray(values))
    return values.reduce((sum: Requests, v) => add(sum, chartValueRequests(v)), ZERO);
  if (!isRec(values)) return ZERO;
  return Object.entries(values).reduce(
    (sum, [key, v]) => add(sum, key === "resources" ? requestsOf(v) : chartValueRequests(v)),
    ZERO,
  );
}

export interface StackRequests {
  total: Requests;
  /** Per workload (`<Kind>/<namespace>/<name>`) and per chart (`chart/<name>`). */
  parts: Record<string, Requests>;
}

/**
 * The requests of everything a plan would run at once: every replica of every Deployment and
 * StatefulSet, the DaemonSet's pod on a node, one pod per Job and CronJob (a release Job runs
 * beside the servers it migrates), and the chart components' stated requests.
 */
export function stackRequests(resources: readonly RecordedResource[]): StackRequests {
  const parts: Record<string, Requests> = {};
  for (const r of resources) {
    if (isKubernetesObject(r)) {
      const object = reveal(r.state) as Rec;
      const pods = podsOf(object);
      if (!pods) continue;
      const meta = (object.metadata ?? {}) as Rec;
      parts[`${object.kind}/${meta.namespace}/${meta.name}`] = times(podRequests(pods.pod), pods.count);
    } else if (r.type.startsWith("kubernetes:helm.sh/")) {
      parts[`chart/${r.name}`] = chartValueRequests((reveal(r.inputs) as Rec).values);
    }
  }
  return { total: Object.values(parts).reduce(add, ZERO), parts };
}
