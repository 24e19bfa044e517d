import { describe, expect, it } from "vitest";
import type { KubeObject } from "../lib/cluster";
import { podTimeline } from "./timeline";

const T0 = Date.parse("2026-12-01T10:00:00Z");
const iso = (s: number) => new Date(T0 + s * 1000).toISOString();

function pod(name: string, created: number, scheduled: number, started: number, ready?: number): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, creationTimestamp: iso(created) },
    status: {
      conditions: [
        { type: "PodScheduled", status: "True", lastTransitionTime: iso(scheduled) },
        ...(ready === undefined ? [] : [{ type: "Ready", status: "True", lastTransitionTime: iso(ready) }]),
      ],
      containerStatuses: [{ name: "app", state: { running: { startedAt: iso(started) } } }],
    },
  } as KubeObject;
}

describe("podTimeline", () => {
  it("splits an up into the engine, the scheduler, the node, the probes and the Jobs", () => {
    const t = podTimeline(
      {
        pods: [pod("a", 4, 5, 7, 10), pod("b", 6, 6, 9, 20), pod("c", 8, 9, 10)],
        jobs: [
          {
            apiVersion: "batch/v1",
            kind: "Job",
            metadata: { name: "a-migrate-1", creationTimestamp: iso(4) },
            status: { completionTime: iso(9) },
          } as KubeObject,
        ],
      },
      T0,
    );
    expect(t.untilFirstPod).toBe(4);
    expect(t.scheduling).toBe(1); // 1, 0, 1
    expect(t.containerStart).toBe(2); // 2, 3, 1
    expect(t.readiness).toBe(7); // 3, 11 (c never Ready)
    expect(t.migrations).toEqual({ count: 1, median: 5, longest: 5 });
    expect(t.lastReady).toBe(20);
    expect(t.summary).toContain("first pod created at +4 s");
  });

  it("says so when nothing ran", () => {
    const t = podTimeline({ pods: [], jobs: [] }, T0);
    expect(t.migrations.count).toBe(0);
    expect(t.summary).toBe("no Job");
  });
});
