import { beforeAll, describe, expect, it } from "vitest";
import { LOKI_CHART } from "../../components/azure/azure-loki";
import {
  CLUSTER_SCOPED_KINDS,
  type ClusterScopedObject,
  chartFootprint,
  type Footprint,
  manifestFootprint,
} from "../../components/azure/cluster-scope";
import { nonEmpty } from "../helpers/non-empty";
import type { Planned } from "../helpers/program";
import { expectNoError, inputs, planStack } from "./helpers";

// dev attaches to the AKS cluster staging owns. Everything either stack creates at cluster scope,
// from its own objects and from every chart and manifest it installs, is listed here; what both
// would create must be nothing (the second `pulumi up` would fail on it, and a destroy of one
// stack would delete the other's).

interface Listed extends ClusterScopedObject {
  from: string;
}

/** The cluster-scoped objects a plan creates, and the installations it makes. */
function clusterScoped(p: Planned): {
  objects: Listed[];
  installations: Array<Footprint & { from: string }>;
} {
  const objects: Listed[] = [];
  const installations: Array<Footprint & { from: string }> = [];
  for (const r of nonEmpty(p.resources)) {
    const kind = r.type.split(":").pop() ?? "";
    if (r.type.startsWith("kubernetes:") && CLUSTER_SCOPED_KINDS.has(kind)) {
      const name = inputs(r).metadata?.name;
      expect(name, `${r.type} ${r.name} has a fixed name`).toEqual(expect.any(String));
      objects.push({ kind, name, from: r.name });
    }
    let footprint: Footprint | undefined;
    if (r.type === "kubernetes:helm.sh/v4:Chart" || r.type === "kubernetes:helm.sh/v3:Release") {
      const i = inputs(r);
      footprint = chartFootprint(i.chart, i.name, i.values ?? {});
      expect(
        footprint,
        `${r.name}: declare chart ${i.chart} in components/azure/cluster-scope.ts`,
      ).toBeDefined();
    } else if (r.type === "kubernetes:yaml/v2:ConfigFile" || r.type === "kubernetes:yaml/v2:ConfigGroup") {
      const i = inputs(r);
      footprint = manifestFootprint(String(i.file ?? i.files));
      expect(
        footprint,
        `${r.name}: declare manifest ${i.file} in components/azure/cluster-scope.ts`,
      ).toBeDefined();
    }
    if (footprint) {
      installations.push({ ...footprint, from: r.name });
      for (const o of footprint.clusterScoped) objects.push({ ...o, from: r.name });
    }
  }
  return { objects, installations };
}

const key = (o: ClusterScopedObject) => `${o.kind}/${o.name}`;

let staging: ReturnType<typeof clusterScoped>;
let dev: ReturnType<typeof clusterScoped>;

beforeAll(async () => {
  // One after the other: the mock runtime is process-wide.
  const s = await planStack("staging");
  const d = await planStack("dev");
  expectNoError(s);
  expectNoError(d);
  staging = clusterScoped(s);
  dev = clusterScoped(d);
}, 240_000);

describe("two stacks on one cluster (staging owns it, dev attaches)", () => {
  it("create no cluster-scoped object in common", () => {
    const ours = new Map(staging.objects.map((o) => [key(o), o]));
    const shared = dev.objects.filter((o) => ours.has(key(o)));
    expect(
      shared.map((o) => `${key(o)} (dev: ${o.from}, staging: ${ours.get(key(o))?.from})`),
      "cluster-scoped objects both stacks would create",
    ).toEqual([]);
    // Not vacuous: each stack has namespaces of its own, and staging installs the operators.
    expect(dev.objects.filter((o) => o.kind === "Namespace").length).toBeGreaterThan(0);
    expect(staging.installations.some((i) => i.installedBy === "cluster")).toBe(true);
  });

  it("leave the cluster-wide operators to the stack that owns the cluster", () => {
    expect(dev.installations.filter((i) => i.installedBy === "cluster").map((i) => i.from)).toEqual([]);
  });

  it("install Loki per stack with namespaced RBAC (the chart's default would claim loki-clusterrole)", () => {
    const loki = dev.installations.find((i) => i.installedBy === "stack");
    expect(loki?.clusterScoped).toEqual([]);
    expect(chartFootprint(LOKI_CHART.chart, "loki", {})?.clusterScoped.map(key)).toEqual([
      "ClusterRole/loki-clusterrole",
      "ClusterRoleBinding/loki-clusterrolebinding",
    ]);
  });
});
