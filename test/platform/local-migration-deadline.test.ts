import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { reveal } from "../../tools/plan/redact";
import { runProgram } from "../../tools/plan/run";
import type { RecordedResource } from "../../tools/plan/runtime";
import { readStackFile } from "../../tools/plan/stack-file";
import { catalog } from "../helpers/catalog";

// The README's "A failing migration fails in minutes" on a local cluster: its figures (the Job's
// deadline, no retry, how long `pulumi up` can wait) must be what the local stack renders.

const ROOT = join(__dirname, "..", "..");
const WORDS = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"];
const CLAIM =
  /\*\*A failing migration fails in minutes\.\*\* The local stack gives migration Jobs (\d+) seconds\s+\(`migrations\.activeDeadlineSeconds`\) and no retry, so `pulumi up` stops within about (\w+)\s+minutes/;

/** Go duration ("300s", "5m", "1m30s") in seconds. */
function durationSeconds(text: string): number {
  const parts = [...text.matchAll(/(\d+)(h|m|s)/g)];
  expect(parts.map((p) => p[0]).join(""), `a duration of h/m/s: ${text}`).toBe(text);
  return parts.reduce(
    (sum, [, n, unit]) => sum + Number(n) * ({ h: 3600, m: 60, s: 1 }[unit ?? "s"] ?? 1),
    0,
  );
}

describe("the local stack's migration deadline, as the README states it", () => {
  const claim = CLAIM.exec(readFileSync(join(ROOT, "README.md"), "utf8"));
  let jobs: {
    resource: RecordedResource;
    service: string;
    spec: { activeDeadlineSeconds?: number; backoffLimit?: number };
  }[];

  beforeAll(async () => {
    const file = readStackFile(ROOT, "local");
    const run = await runProgram({ stack: "local", config: file.config, secretKeys: file.secretKeys });
    expect(run.error).toBeUndefined();
    jobs = run.resources
      .filter((r) => r.type === "kubernetes:batch/v1:Job")
      .map((resource) => ({
        resource,
        object: reveal(resource.state) as {
          metadata: { labels?: Record<string, string> };
          spec: { activeDeadlineSeconds?: number; backoffLimit?: number };
        },
      }))
      .filter((j) => j.object.metadata.labels?.["app.kubernetes.io/component"] === "migration")
      .map((j) => ({
        resource: j.resource,
        service: j.object.metadata.labels?.["app.kubernetes.io/name"] ?? "",
        spec: j.object.spec,
      }));
  }, 120_000);

  it("the README states the deadline and the wait", () => {
    expect(
      claim,
      'README.md: the bullet "A failing migration fails in minutes" must keep the form "gives migration Jobs <N> seconds (`migrations.activeDeadlineSeconds`) and no retry, so `pulumi up` stops within about <word> minutes" (this test checks those figures)',
    ).not.toBeNull();
  });

  it("every catalog service with a database has its migration Job with that deadline and no retry", () => {
    const seconds = Number(claim?.[1]);
    const withDatabase = catalog.filter((s) => s.database).map((s) => s.name);
    expect(withDatabase.length).toBeGreaterThan(0);
    expect(jobs.map((j) => j.service)).toEqual(expect.arrayContaining(withDatabase));
    for (const { resource, spec } of jobs) {
      expect(spec.activeDeadlineSeconds, resource.name).toBe(seconds);
      expect(spec.backoffLimit, resource.name).toBe(0);
    }
  });

  it("pulumi up gives up on a migration Job within the README's minutes", () => {
    const minutes = WORDS.indexOf(claim?.[2] ?? "") + 1;
    expect(minutes, `"${claim?.[2]}" as a number of minutes`).toBeGreaterThan(0);
    for (const { resource, spec } of jobs) {
      const create = resource.customTimeouts?.create;
      expect(create, `${resource.name}: customTimeouts.create`).toBeDefined();
      const timeout = durationSeconds(create ?? "");
      // The Job fails at its deadline; the engine's create timeout bounds the wait after that.
      expect(timeout, resource.name).toBeGreaterThan(spec.activeDeadlineSeconds ?? 0);
      expect(timeout, resource.name).toBeLessThanOrEqual(minutes * 60);
    }
  });
});
