import type { KubeObject } from "../lib/cluster";
import { rec } from "../lib/platform";
import { median } from "../lib/report";

// Where the time of an `up` on real pods went, from what the API server recorded (1 s resolution):
// the engine and the API server until the first pod existed (namespaces, ConfigMaps, Secrets,
// Services, the backing servers' objects), then for each pod the scheduler (created -> scheduled),
// the node (scheduled -> its containers started: sandbox, network, the process; images are
// pre-loaded), the probes (started -> Ready), and the migration Jobs (created -> complete).

export interface WhereTheTimeGoes {
  /** Seconds from the start of `up` until the first pod was created. */
  untilFirstPod?: number;
  /** Medians over the pods, in seconds. */
  scheduling?: number;
  containerStart?: number;
  readiness?: number;
  /** Median and longest migration Job, seconds; how many. */
  migrations: { count: number; median?: number; longest?: number };
  /** Seconds from the start of `up` until the last pod became Ready. */
  lastReady?: number;
  summary: string;
}

const at = (v: unknown): number | undefined => (typeof v === "string" ? Date.parse(v) : undefined);

function condition(p: KubeObject, type: string): number | undefined {
  const list = rec(p.status).conditions;
  const c = Array.isArray(list)
    ? list.find((x) => rec(x).type === type && rec(x).status === "True")
    : undefined;
  return at(rec(c).lastTransitionTime);
}

/** The latest start of the pod's containers (init containers run before them). */
function started(p: KubeObject): number | undefined {
  const list = rec(p.status).containerStatuses;
  const starts = (Array.isArray(list) ? list : [])
    .map((c) => {
      const state = rec(rec(c).state);
      return at(rec(state.running).startedAt) ?? at(rec(state.terminated).startedAt);
    })
    .filter((t): t is number => t !== undefined);
  return starts.length > 0 ? Math.max(...starts) : undefined;
}

const secs = (ms: number) => Math.round(ms / 100) / 10;
const med = (xs: number[]) => (xs.length > 0 ? secs(median(xs)) : undefined);
const show = (label: string, v: number | undefined) => (v === undefined ? "" : `${label} ${v} s`);

export function podTimeline(
  view: { pods: readonly KubeObject[]; jobs: readonly KubeObject[] },
  startMs: number,
): WhereTheTimeGoes {
  const created = view.pods.map((p) => at(p.metadata.creationTimestamp)).filter((t): t is number => !!t);
  const scheduling: number[] = [];
  const containerStart: number[] = [];
  const readiness: number[] = [];
  const readyAt: number[] = [];
  for (const p of view.pods) {
    const c = at(p.metadata.creationTimestamp);
    const s = condition(p, "PodScheduled");
    const st = started(p);
    const r = condition(p, "Ready");
    if (c !== undefined && s !== undefined) scheduling.push(s - c);
    if (s !== undefined && st !== undefined) containerStart.push(st - s);
    if (st !== undefined && r !== undefined) {
      readiness.push(r - st);
      readyAt.push(r);
    }
  }
  const jobs = view.jobs
    .map((j) => {
      const c = at(j.metadata.creationTimestamp);
      const d = at(rec(j.status).completionTime);
      return c !== undefined && d !== undefined ? d - c : undefined;
    })
    .filter((t): t is number => t !== undefined);
  const t: WhereTheTimeGoes = {
    ...(created.length > 0 ? { untilFirstPod: secs(Math.min(...created) - startMs) } : {}),
    ...(scheduling.length > 0 ? { scheduling: med(scheduling) } : {}),
    ...(containerStart.length > 0 ? { containerStart: med(containerStart) } : {}),
    ...(readiness.length > 0 ? { readiness: med(readiness) } : {}),
    migrations: {
      count: jobs.length,
      ...(jobs.length > 0 ? { median: med(jobs), longest: secs(Math.max(...jobs)) } : {}),
    },
    ...(readyAt.length > 0 ? { lastReady: secs(Math.max(...readyAt) - startMs) } : {}),
    summary: "",
  };
  t.summary = [
    show("first pod created at +", t.untilFirstPod).replace("+ ", "+"),
    show("per pod (medians): scheduling", t.scheduling),
    show("container start", t.containerStart),
    show("start -> Ready", t.readiness),
    t.migrations.count > 0
      ? `${t.migrations.count} Jobs: median ${t.migrations.median} s, longest ${t.migrations.longest} s`
      : "no Job",
    show("last pod Ready at +", t.lastReady).replace("+ ", "+"),
  ]
    .filter(Boolean)
    .join("; ");
  return t;
}
