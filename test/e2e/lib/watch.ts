import { type Cluster, type KubeList, type KubeObject, kubectl } from "./cluster";
import { E2EError, type Streaming, startStreaming } from "./proc";

// What the API server did, as it happened: a list of one kind (namespace, label selector), then a
// watch from that list's resourceVersion, every event kept with the moment it arrived. Nothing is
// inferred from the objects left at the end: a pod that lived for a second shows here.
//
// Order across kinds: on this API server (etcd3 storage) an object's resourceVersion is the etcd
// revision of its last write, one counter for the whole store, so the resourceVersions of events
// from different watches order them exactly (Kubernetes tells clients to treat them as opaque;
// the e2e, which builds the API server it talks to, may compare them).

export interface WatchEvent {
  type: "ADDED" | "MODIFIED" | "DELETED";
  object: KubeObject;
  /** The etcd revision of this change. */
  revision: number;
  /** When the e2e received it (ms since the epoch). */
  receivedAt: number;
}

export interface KindWatch {
  kind: string;
  /** The objects that existed when the watch started. */
  initial: KubeObject[];
  /** The revision of that list: every event after it is in `events`. */
  listRevision: number;
  events: WatchEvent[];
  /** Ends the watch (call once the change under test is over). */
  stop(): Promise<void>;
  /** Lists the same objects again, now. */
  relist(): Promise<KubeObject[]>;
}

export interface WatchTarget {
  /** The kind, for messages (Pod, ReplicaSet...). */
  kind: string;
  /** The collection's API path: /api/v1/namespaces/<ns>/pods, /apis/apps/v1/namespaces/<ns>/replicasets... */
  path: string;
  labelSelector: string;
}

export const revisionOf = (o: KubeObject): number => Number.parseInt(o.metadata.resourceVersion ?? "", 10);

export async function startWatch(cluster: Cluster, target: WatchTarget, logFile: string): Promise<KindWatch> {
  const selector = `labelSelector=${encodeURIComponent(target.labelSelector)}`;
  const listNow = async () => {
    const listed = await kubectl(cluster, ["get", "--raw", `${target.path}?${selector}`]);
    return JSON.parse(listed.stdout) as KubeList & { metadata: { resourceVersion: string } };
  };
  const list = await listNow();
  const listRevision = Number.parseInt(list.metadata.resourceVersion, 10);
  const events: WatchEvent[] = [];
  const problems: string[] = [];
  const stream: Streaming = startStreaming(
    "kubectl",
    [
      "--context",
      cluster.context,
      "get",
      "--raw",
      `${target.path}?watch=1&resourceVersion=${listRevision}&${selector}&timeoutSeconds=1800`,
    ],
    (line) => {
      const event = JSON.parse(line) as { type: string; object: KubeObject };
      if (event.type === "ADDED" || event.type === "MODIFIED" || event.type === "DELETED") {
        events.push({
          type: event.type,
          object: event.object,
          revision: revisionOf(event.object),
          receivedAt: Date.now(),
        });
      } else if (event.type !== "BOOKMARK") {
        problems.push(line.slice(0, 300));
      }
    },
    { env: cluster.env, logFile },
  );
  // A list's items carry no kind; the watch's objects do.
  const withKind = (items: KubeObject[]) => items.map((o) => ({ ...o, kind: o.kind ?? target.kind }));
  return {
    kind: target.kind,
    initial: withKind(list.items),
    listRevision,
    events,
    stop: async () => {
      await stream.stop();
      if (problems.length > 0) throw new E2EError(`the ${target.kind} watch failed: ${problems.join("; ")}`);
    },
    relist: async () => withKind((await listNow()).items),
  };
}

export const uidOf = (o: KubeObject): string =>
  o.metadata.uid ?? `${o.metadata.namespace}/${o.metadata.name}`;

/** The objects a watch's list and events say exist at its end, by uid (a name can be reused). */
export function finalObjects(watch: KindWatch): Map<string, KubeObject> {
  const objects = new Map(watch.initial.map((o) => [uidOf(o), o]));
  for (const e of watch.events) {
    if (e.type === "DELETED") objects.delete(uidOf(e.object));
    else objects.set(uidOf(e.object), e.object);
  }
  return objects;
}

/** One object's life as the watch saw it: present at the start, or added later; then its events. */
export interface History {
  /** The object as listed when the watch started (absent: added during it). */
  initial?: KubeObject;
  /** The object as last seen. */
  last: KubeObject;
  /** Present when the watch started (else: added during it). */
  initially: boolean;
  events: WatchEvent[];
  /** The revision that deleted it, if it was deleted during the watch. */
  deletedAt?: number;
  /** The revision that created it, if that happened during the watch. */
  addedAt?: number;
}

/** Every object the watch saw, by uid. */
export function histories(watch: KindWatch): History[] {
  const out = new Map<string, History>();
  for (const o of watch.initial) out.set(uidOf(o), { initial: o, last: o, initially: true, events: [] });
  for (const e of watch.events) {
    const h = out.get(uidOf(e.object)) ?? { last: e.object, initially: false, events: [] };
    h.last = e.object;
    h.events.push(e);
    if (e.type === "DELETED") h.deletedAt = e.revision;
    if (e.type === "ADDED" && !h.initially) h.addedAt ??= e.revision;
    out.set(uidOf(e.object), h);
  }
  return [...out.values()];
}

/** Whether the object was present (not yet deleted) at `revision` and, if so, as what. */
export function stateAt(h: History, revision: number): KubeObject | undefined {
  let current = h.initial;
  for (const e of h.events) {
    if (e.revision > revision) break;
    current = e.type === "DELETED" ? undefined : e.object;
  }
  return current;
}

/** Whether `test` held for the object at some moment in [from, to] (revisions). */
export function heldDuring(h: History, from: number, to: number, test: (o: KubeObject) => boolean): boolean {
  const atStart = stateAt(h, from);
  if (atStart && test(atStart)) return true;
  return h.events.some(
    (e) => e.revision > from && e.revision <= to && e.type !== "DELETED" && test(e.object),
  );
}
