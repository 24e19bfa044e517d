import { describe, expect, it } from "vitest";
import type { KubeObject } from "./cluster";
import { finalObjects, heldDuring, histories, type KindWatch, stateAt, type WatchEvent } from "./watch";

// The breaking-migration phase proves "no old pod Running while the Job ran" from these helpers:
// they must reconstruct each object's life from a list and the watch events after it.

const pod = (uid: string, phase: string, rv: number): KubeObject => ({
  kind: "Pod",
  metadata: { name: `pod-${uid}`, uid, resourceVersion: String(rv), creationTimestamp: "" },
  status: { phase },
});
const event = (type: WatchEvent["type"], object: KubeObject): WatchEvent => ({
  type,
  object,
  revision: Number(object.metadata.resourceVersion),
  receivedAt: 0,
});
const watch = (initial: KubeObject[], events: WatchEvent[]): KindWatch => ({
  kind: "Pod",
  initial,
  listRevision: 10,
  events,
  stop: async () => {},
  relist: async () => [],
});

describe("watch histories", () => {
  // old: Running at the start, terminating at 12, deleted at 13; fresh: added at 20, Running at 21.
  const w = watch(
    [pod("old", "Running", 5)],
    [
      event("MODIFIED", pod("old", "Running", 12)),
      event("DELETED", pod("old", "Running", 13)),
      event("ADDED", pod("fresh", "Pending", 20)),
      event("MODIFIED", pod("fresh", "Running", 21)),
    ],
  );
  const [old, fresh] = histories(w);

  it("keeps each object's life: present initially or added, and deleted", () => {
    expect(old).toMatchObject({ initially: true, deletedAt: 13 });
    expect(fresh).toMatchObject({ initially: false, addedAt: 20 });
    expect([...finalObjects(w).keys()]).toEqual(["fresh"]);
  });

  it("knows the state at a revision", () => {
    expect(old && stateAt(old, 11)?.status?.phase).toBe("Running");
    expect(old && stateAt(old, 13)).toBeUndefined();
    expect(fresh && stateAt(fresh, 19)).toBeUndefined();
  });

  it("says whether a condition held during an interval", () => {
    const running = (o: KubeObject) => o.status?.phase === "Running";
    expect(old && heldDuring(old, 14, 30, running)).toBe(false);
    expect(old && heldDuring(old, 12, 30, running)).toBe(true);
    expect(fresh && heldDuring(fresh, 14, 20, running)).toBe(false);
    expect(fresh && heldDuring(fresh, 14, 21, running)).toBe(true);
  });
});
