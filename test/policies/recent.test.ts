// policies/lib/recent.ts: the pack's views of a resource are remembered for the last few objects
// asked about, by identity, and nothing else is kept.

import { describe, expect, it } from "vitest";
import { Recent } from "../../policies/lib/recent";
import { targetOf } from "../../policies/lib/report";
import { workloadOf } from "../../policies/lib/workload";

describe("Recent", () => {
  it("hands back the value of the very object, null included, and nothing for an equal one", () => {
    const recent = new Recent<object, string | null>();
    const a = { name: "a" };
    recent.set(a, null);
    expect(recent.get(a)).toBeNull();
    expect(recent.get({ name: "a" })).toBeUndefined();
  });

  it("forgets the oldest once more objects than it holds were asked about", () => {
    const recent = new Recent<object, number>();
    const keys = Array.from({ length: 10 }, () => ({}));
    keys.forEach((k, i) => {
      recent.set(k, i);
    });
    const kept = keys.map((k) => recent.get(k)).filter((v) => v !== undefined);
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.length).toBeLessThan(keys.length);
    // What it keeps is the most recent, each with its own value.
    expect(kept).toEqual(keys.map((_, i) => i).slice(-kept.length));
  });
});

describe("the views it remembers", () => {
  const props = {
    metadata: { name: "web", namespace: "shop" },
    spec: { template: { spec: { containers: [{ name: "php", image: "shop:1" }] } } },
  };

  it("are the same object while one resource is checked", () => {
    const type = "kubernetes:apps/v1:Deployment";
    expect(workloadOf(type, props)).toBe(workloadOf(type, props));
    expect(targetOf(type, "shop/web", props, "urn:a")).toBe(targetOf(type, "shop/web", props, "urn:a"));
  });

  it("are computed again, equal, for an object asked about long ago", () => {
    const type = "kubernetes:apps/v1:Deployment";
    const first = workloadOf(type, props);
    for (let i = 0; i < 10; i++) workloadOf(type, structuredClone(props));
    const again = workloadOf(type, props);
    expect(again).not.toBe(first);
    expect(again).toEqual(first);
  });
});
