import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import {
  fixedResources,
  MIN_SCALED_CPU_MILLIS,
  MIN_SCALED_MEMORY_MIB,
  resourceRequirements,
  scaledRequest,
} from "../../components/kube/resources";
import { namedSizes, resolveSize } from "../../components/service/spec";
import { reveal } from "../../tools/plan/redact";
import { runProgram } from "../../tools/plan/run";
import type { RecordedResource } from "../../tools/plan/runtime";
import { readStackFile } from "../../tools/plan/stack-file";
import { nonEmpty } from "../helpers/non-empty";
import { baseConfig, plan } from "../helpers/program";
import { quantity } from "../helpers/requests";

// platform:requestScale multiplies every CPU and memory request the platform renders and nothing
// else. The plan-wide checks compare a stack planned as sized with the same stack scaled: the
// only difference allowed is each request, scaled by the rule of components/kube/resources.ts, so
// a container that bypasses that rule (a new component, a chart value) fails here.

const ROOT = join(__dirname, "..", "..");
const SCALE = 0.3;

type Rec = Record<string, unknown>;
const isRec = (v: unknown): v is Rec => typeof v === "object" && v !== null && !Array.isArray(v);

/** Every `requests: {cpu, memory}` object in a value, by its path. */
function requestsIn(value: unknown, path: string, found: Map<string, Rec>): void {
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) requestsIn(v, `${path}[${i}]`, found);
  }
  if (!isRec(value)) return;
  for (const [key, v] of Object.entries(value)) {
    if (key === "requests" && isRec(v) && (v.cpu !== undefined || v.memory !== undefined))
      found.set(`${path}.requests`, v);
    requestsIn(v, `${path}.${key}`, found);
  }
}

/** The value with every request replaced by what the scale should make of it. */
function expectedScaled(value: unknown, scale: number): unknown {
  if (Array.isArray(value)) return value.map((v) => expectedScaled(v, scale));
  if (!isRec(value)) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, v]) => {
      if (key === "requests" && isRec(v) && (v.cpu !== undefined || v.memory !== undefined)) {
        const scaled: Rec = { ...v };
        if (v.cpu !== undefined) {
          const millis = Math.round(quantity(v.cpu as string) * 1000);
          scaled.cpu = `${scaledRequest(millis, scale, MIN_SCALED_CPU_MILLIS)}m`;
        }
        if (v.memory !== undefined) {
          const mib = quantity(v.memory as string) / 2 ** 20;
          scaled.memory = `${scaledRequest(mib, scale, MIN_SCALED_MEMORY_MIB)}Mi`;
        }
        return [key, scaled];
      }
      return [key, expectedScaled(v, scale)];
    }),
  );
}

/**
 * Compares two plans of one stack resource by resource: the scaled one must be the unscaled one
 * with its requests scaled. Returns the resource types that carried requests.
 */
function expectOnlyRequestsScaled(
  unscaled: readonly RecordedResource[],
  scaled: readonly RecordedResource[],
  scale: number,
): Set<string> {
  expect(scaled.map((r) => r.urn).sort()).toEqual(unscaled.map((r) => r.urn).sort());
  const byUrn = new Map(scaled.map((r) => [r.urn, r]));
  const types = new Set<string>();
  for (const before of unscaled) {
    const after = byUrn.get(before.urn);
    const inputs = reveal(before.inputs);
    const found = new Map<string, Rec>();
    requestsIn(inputs, "", found);
    if (found.size > 0) types.add(before.type);
    expect(reveal(after?.inputs), before.urn).toEqual(expectedScaled(inputs, scale));
  }
  return types;
}

describe("the scaling rule (components/kube/resources.ts)", () => {
  it("multiplies requests, rounds up to whole units and leaves the memory limit", () => {
    expect(fixedResources(333, 1000, 0.1)).toEqual({
      requests: { cpu: "34m", memory: "100Mi" },
      limits: { memory: "1000Mi" },
    });
  });

  it("does not round float noise up a whole unit (300 x 0.07 is 21, not 22)", () => {
    expect(300 * 0.07).toBeGreaterThan(21);
    expect(fixedResources(300, 1000, 0.07).requests).toEqual({ cpu: "21m", memory: "70Mi" });
  });

  it("keeps a scaled request at the minimum, and never raises one that was below it", () => {
    const tiny = 0.001;
    expect(fixedResources(500, 2048, tiny).requests).toEqual({
      cpu: `${MIN_SCALED_CPU_MILLIS}m`,
      memory: `${MIN_SCALED_MEMORY_MIB}Mi`,
    });
    const below = { cpu: MIN_SCALED_CPU_MILLIS - 1, memory: MIN_SCALED_MEMORY_MIB - 1 };
    expect(fixedResources(below.cpu, below.memory, 0.5).requests).toEqual({
      cpu: `${below.cpu}m`,
      memory: `${below.memory}Mi`,
    });
  });

  it("leaves every figure exact at 1 and without a scale", () => {
    for (const size of Object.keys(namedSizes) as (keyof typeof namedSizes)[]) {
      const s = resolveSize(size);
      const sized = {
        requests: { cpu: `${s.cpuMillis}m`, memory: `${s.memoryMiB}Mi` },
        limits: { memory: `${s.memoryLimitMiB}Mi` },
      };
      expect(resourceRequirements(size, 1)).toEqual(sized);
      expect(resourceRequirements(size, undefined)).toEqual(sized);
    }
  });

  it("scales a catalog size's requests and keeps its limit", () => {
    const s = resolveSize("large");
    expect(resourceRequirements("large", 0.5)).toEqual({
      requests: { cpu: `${s.cpuMillis / 2}m`, memory: `${s.memoryMiB / 2}Mi` },
      limits: { memory: `${s.memoryLimitMiB}Mi` },
    });
  });
});

describe("platform:requestScale on an in-cluster stack", () => {
  let types: Set<string>;
  let scaledPlan: Awaited<ReturnType<typeof plan>>;
  let unscaledPlan: Awaited<ReturnType<typeof plan>>;

  beforeAll(async () => {
    // Monitoring on: the exporters and the monitoring chart's values are requests too.
    const config = { ...baseConfig(), monitoring: { enabled: true } };
    unscaledPlan = await plan(config);
    scaledPlan = await plan({ ...config, requestScale: SCALE });
    expect(unscaledPlan.run.error).toBeUndefined();
    expect(scaledPlan.run.error).toBeUndefined();
    types = expectOnlyRequestsScaled(unscaledPlan.resources, scaledPlan.resources, SCALE);
  }, 120_000);

  it("changes every request by the rule and nothing else", () => {
    nonEmpty([...types], "resource types with requests");
  });

  it("reaches every kind of workload the stack renders, and the monitoring chart", () => {
    const workloads = new Set(
      unscaledPlan.objects
        .filter((o) => ["Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob"].includes(o.kind))
        .map((o) => o.kind),
    );
    nonEmpty([...workloads], "workload kinds");
    const reached = new Set(scaledPlan.objects.filter((o) => workloads.has(o.kind)).map((o) => o.kind));
    expect(reached).toEqual(workloads);
    expect([...types].some((t) => t.startsWith("kubernetes:helm.sh/"))).toBe(true);
  });

  it("scales the web container's requests and leaves its memory limit", () => {
    const web = unscaledPlan
      .all("Deployment")
      .find((d) => d.metadata.labels?.["app.kubernetes.io/component"] === "web");
    if (!web) throw new Error("no web Deployment in the plan");
    const before = unscaledPlan.container("Deployment", web.metadata.name).resources;
    const after = scaledPlan.container("Deployment", web.metadata.name).resources;
    expect(after.limits).toEqual(before.limits);
    expect(quantity(after.requests.cpu)).toBeLessThan(quantity(before.requests.cpu));
    expect(quantity(after.requests.memory)).toBeLessThan(quantity(before.requests.memory));
  });
});

/** The staging stack's config, its PostgreSQL logins switched to `authentication`. */
function stagingWith(authentication: "entra" | "password"): Record<string, string> {
  const config = { ...readStackFile(ROOT, "staging").config };
  const azure = JSON.parse(config["platform:azure"] ?? "{}");
  azure.postgres = { ...azure.postgres, authentication };
  return { ...config, "platform:azure": JSON.stringify(azure) };
}

describe("platform:requestScale on an Azure stack", () => {
  const stack = "staging";
  const { secretKeys } = readStackFile(ROOT, stack);
  // Entra logins get a role Job per service; password logins the shared tenants Job.
  for (const authentication of ["entra", "password"] as const) {
    it(`${authentication} logins: every request scaled (setup Jobs, the RabbitMQ cluster, Loki's chart), nothing else changed`, async () => {
      const config = stagingWith(authentication);
      const unscaled = await runProgram({ stack, config, secretKeys });
      const scaled = await runProgram({
        stack,
        config: { ...config, "platform:requestScale": String(SCALE) },
        secretKeys,
      });
      expect(unscaled.error).toBeUndefined();
      expect(scaled.error).toBeUndefined();
      const types = expectOnlyRequestsScaled(unscaled.resources, scaled.resources, SCALE);
      expect([...types].some((t) => t.startsWith("kubernetes:helm.sh/"))).toBe(true);
      expect(types.has("kubernetes:batch/v1:Job")).toBe(true);
      expect(types.has("kubernetes:rabbitmq.com/v1beta1:RabbitmqCluster")).toBe(true);
    }, 120_000);
  }
});

describe("platform:requestScale validation", () => {
  const bad: Array<[string, unknown, RegExp]> = [
    ["zero", 0, /platform:requestScale: must be greater than 0[^\n]*\(got 0\)/],
    ["a negative number", -0.5, /platform:requestScale: must be greater than 0[^\n]*\(got -0.5\)/],
    ["more than 1", 1.5, /platform:requestScale: must be at most 1[^\n]*\(got 1.5\)/],
    ["text", "half", /platform:requestScale: must be a number \(got "half"\)/],
  ];

  it.each(bad)(
    "refuses %s with the key, the problem and the fix, registering nothing",
    async (_l, value, message) => {
      const planned = await plan({ ...baseConfig(), requestScale: value }, { stack: "unit" });
      const text = planned.run.error?.message ?? "";
      expect(text).toMatch(message);
      expect(text.startsWith("stacks/Pulumi.unit.yaml: platform:requestScale")).toBe(true);
      expect(text).toMatch(/\n {2}fix: use a number above 0 and at most 1/);
      expect(planned.resources).toHaveLength(0);
    },
  );

  it("refuses scaling production's requests, and accepts 1 there", async () => {
    const file = readStackFile(ROOT, "prod");
    const scaled = await runProgram({
      stack: "prod",
      config: { ...file.config, "platform:requestScale": "0.5" },
      secretKeys: file.secretKeys,
    });
    expect(scaled.error?.message).toMatch(
      /stacks\/Pulumi\.prod\.yaml: platform:requestScale: scales down the requests of a prod stack[^\n]*\(got 0.5\)\n {2}fix: /,
    );
    expect(scaled.resources).toHaveLength(0);
    const sized = await runProgram({
      stack: "prod",
      config: { ...file.config, "platform:requestScale": "1" },
      secretKeys: file.secretKeys,
    });
    expect(sized.error).toBeUndefined();
  }, 120_000);
});
