import { beforeAll, describe, expect, it } from "vitest";
import { FOREGROUND_DELETION } from "../../components/service/breaking-release";
import type { RecordedResource } from "../../tools/plan/runtime";
import { catalog } from "../helpers/catalog";
import { nonEmpty } from "../helpers/non-empty";
import { baseConfig, type Planned, plan } from "../helpers/program";

// Breaking migrations without overlap, read off the resource graph the engine receives. The engine
// turns these facts into this order on a new image (docs/runtime-contract.md, "Migrations"):
// delete the old workloads (replaceWith cascade of the gate's delete-before-replace), replace the
// gate, run the Job (depends on the gate), create the workloads again (depend on the Job).

const GATE = "random:index/randomId:RandomId";
const WORKLOADS = ["kubernetes:apps/v1:Deployment", "kubernetes:batch/v1:CronJob"];
const JOB = "kubernetes:batch/v1:Job";

let planned: Planned;
let retagged: Planned;
const breaking = catalog.filter((s) => s.database?.schemaChanges === "breaking");
const others = catalog.filter((s) => s.database?.schemaChanges !== "breaking");

beforeAll(async () => {
  planned = await plan(baseConfig());
  retagged = await plan({
    ...baseConfig(),
    images: { registry: "registry.example.com/platform", tag: "2026.12.0" },
  });
  expect(planned.run.error).toBeUndefined();
  expect(retagged.run.error).toBeUndefined();
}, 120_000);

const serviceOf = (r: RecordedResource) =>
  (r.inputs.metadata as { labels?: Record<string, string> } | undefined)?.labels?.["app.kubernetes.io/name"];
const of = (p: Planned, service: string, types: string[]) =>
  p.resources.filter((r) => types.includes(r.type) && serviceOf(r) === service);
const gateOf = (p: Planned, service: string) => p.resource(GATE, (r) => r.name === `${service}-release`);

describe("a breaking schema change", () => {
  it("is declared by at least one catalog service (the guarantee below is exercised)", () => {
    expect(breaking.length).toBeGreaterThan(0);
  });

  it.each(breaking.map((s) => [s.name]))(
    "%s: the old workloads are deleted before the migration Job starts",
    (name) => {
      const gate = gateOf(planned, name);
      expect(gate.deleteBeforeReplace).toBe(true);
      const workloads = of(planned, name, WORKLOADS);
      expect(workloads.length).toBeGreaterThan(0);
      for (const w of nonEmpty(workloads)) {
        expect(w.replaceWith, w.name).toEqual([gate.urn]);
        expect(w.deleteBeforeReplace, w.name).toBe(true);
        expect((w.inputs.metadata as { annotations?: Record<string, string> }).annotations).toMatchObject(
          FOREGROUND_DELETION,
        );
      }
      const [job, ...more] = of(planned, name, [JOB]);
      expect(more).toEqual([]);
      expect(job?.dependencies).toContain(gate.urn);
      // and they come back, with the new image, only after it succeeded
      for (const w of nonEmpty(workloads)) expect(w.dependencies, w.name).toContain(job?.urn);
    },
  );

  it.each(breaking.map((s) => [s.name]))(
    "%s: a new image replaces the gate, and only a new image does",
    (name) => {
      const before = gateOf(planned, name).inputs.keepers as Record<string, string>;
      const after = gateOf(retagged, name).inputs.keepers as Record<string, string>;
      expect(before.image).toMatch(/:2026\.11\.3$/);
      expect(after.image).toMatch(/:2026\.12\.0$/);
      expect(Object.keys(before)).toEqual(["image"]);
    },
  );
});

describe("a compatible schema change", () => {
  it("keeps rolling updates: no gate, no workload deleted ahead of the rollout", () => {
    for (const s of nonEmpty(others)) {
      expect(planned.resources.some((r) => r.type === GATE && r.name === `${s.name}-release`)).toBe(false);
      for (const w of nonEmpty(of(planned, s.name, WORKLOADS))) expect(w.replaceWith, w.name).toEqual([]);
    }
  });
});
