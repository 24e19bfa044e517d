import { beforeAll, describe, expect, it } from "vitest";
import { loadPackConfig } from "../../policies/runner/config";
import { buildStackConfig, readTemplate, toProgramConfig } from "../../stacks/ephemeral/config";
import { ephemeralName } from "../../stacks/ephemeral/naming";
import { selectServices } from "../../stacks/ephemeral/services";
import { TAG, tagsFor } from "../../stacks/ephemeral/tags";
import { expiryFor } from "../../stacks/ephemeral/ttl";
import { runPolicyGate } from "../../tools/plan/policy-gate";
import { runProgram } from "../../tools/plan/run";
import { catalog } from "../helpers/catalog";
import { nonEmpty } from "../helpers/non-empty";
import { Planned } from "../helpers/program";
import { NOW, ROOT, SHA } from "./helpers";

// The config `up` builds, evaluated by the real program under the mock runtime, then checked by
// the policy pack the way `npm run plan` does: the stack the CLI creates is one the program
// accepts and the policies pass.

async function planFor(id: string, services?: string[]) {
  const name = ephemeralName(id);
  const expiresAt = expiryFor(NOW, 6 * 3_600_000);
  const selection = services ? selectServices(services, catalog) : undefined;
  const config = buildStackConfig(readTemplate(ROOT), {
    name,
    owner: "dependabot[bot]",
    ref: "feature/login",
    commit: SHA,
    imageTag: SHA,
    expiresAt,
    ...(selection ? { services: selection } : {}),
  });
  const run = await runProgram({ stack: name.stack, config: toProgramConfig(config), secretKeys: [] });
  const tags = tagsFor({
    pipeline: id,
    owner: "dependabot[bot]",
    ref: "feature/login",
    commit: SHA,
    expiresAt,
  });
  return { name, planned: new Planned(run), tags, selection, expiresAt };
}

describe("a subgraph stack built by up, evaluated by the program", () => {
  let result: Awaited<ReturnType<typeof planFor>>;
  beforeAll(async () => {
    result = await planFor("4242", ["content"]);
  }, 60_000);

  it("is accepted: no input error, and the outputs name the pipeline's namespace", () => {
    expect(result.planned.run.error).toBeUndefined();
    expect(result.planned.run.outputs.namespace).toBe("ci-4242");
    expect(result.planned.run.outputs.environment).toBe("ci");
  });

  it("labels the namespace with owner, ref, pipeline, commit and expiry", () => {
    const ns = result.planned.one("Namespace", "ci-4242");
    expect(ns.metadata.labels).toMatchObject({
      "platform.internal/environment": "ci",
      "platform.internal/ephemeral": "true",
      "platform.internal/pipeline": "4242",
      "platform.internal/owner": "dependabot-bot",
      "platform.internal/ref": "feature-login",
      "platform.internal/commit": SHA,
      "platform.internal/expires-at": "20261129T180000Z",
    });
    expect(
      result.planned.one("Namespace", "ci-4242-logs").metadata.labels?.["platform.internal/pipeline"],
    ).toBe("4242");
  });

  it("bounds the namespace with the template's ResourceQuota and a LimitRange", () => {
    const quota = result.planned.all("ResourceQuota");
    expect(quota).toHaveLength(1);
    expect(quota[0]?.metadata.namespace).toBe("ci-4242");
    expect(quota[0]?.spec.hard).toMatchObject({
      "requests.cpu": "12",
      "requests.memory": "24Gi",
      pods: "150",
    });
    expect(result.planned.all("LimitRange").map((l) => l.metadata.namespace)).toEqual(["ci-4242"]);
  });

  it("deploys exactly the closure of --services, from the commit's images", () => {
    const services = result.planned.run.outputs.services as Record<string, { image: string }>;
    expect(Object.keys(services).sort()).toEqual([...(result.selection?.deployed ?? [])].sort());
    expect(services.content?.image).toBe(`registry.example.com/platform/content:${SHA}`);
  });

  it("creates nothing outside its two namespaces and no managed cloud resource", () => {
    const namespaced = result.planned.objects.filter((o) => o.metadata.namespace !== undefined);
    expect(new Set(namespaced.map((o) => o.metadata.namespace))).toEqual(
      new Set(["ci-4242", "ci-4242-logs"]),
    );
    expect(result.planned.resources.filter((r) => r.type.startsWith("azure-native:"))).toEqual([]);
    // Throwaway data: emptyDirs, no volume claims to provision or leak.
    expect(result.planned.all("PersistentVolumeClaim")).toEqual([]);
    const stateful = result.planned.all("StatefulSet");
    expect(stateful.length).toBeGreaterThan(0);
    for (const s of nonEmpty(stateful))
      expect(s.spec.volumeClaimTemplates ?? [], s.metadata.name).toEqual([]);
  });

  it("passes the policy pack with the stack tags up sets: zero mandatory violations", () => {
    expect(result.tags[TAG.ephemeral]).toBe("true");
    const report = runPolicyGate(result.planned.resources, loadPackConfig("ci"), result.tags);
    const mandatory = report.violations.filter((v) => v.enforcementLevel === "mandatory");
    expect(mandatory.map((v) => `${v.policy}: ${v.message}`)).toEqual([]);
    expect(report.policiesRun).toBeGreaterThan(10);
  });
});

describe("two pipelines at once", () => {
  it("share no namespaced object: every namespace and name scope differs", async () => {
    const a = await planFor("1001", ["config"]);
    const b = await planFor("1002", ["config"]);
    const scopes = (p: Planned) => new Set(p.objects.map((o) => o.metadata.namespace).filter(Boolean));
    const inA = scopes(a.planned);
    for (const ns of nonEmpty(scopes(b.planned))) expect(inA.has(ns)).toBe(false);
    const clusterScoped = (p: Planned) =>
      p.objects.filter((o) => o.metadata.namespace === undefined).map((o) => `${o.kind}/${o.metadata.name}`);
    // Cluster-scoped objects (the namespaces themselves) carry the pipeline in their names.
    expect(clusterScoped(a.planned)).toContain("Namespace/ci-1001");
    const shared = clusterScoped(a.planned).filter((n) => clusterScoped(b.planned).includes(n));
    expect(shared).toEqual([]);
  }, 60_000);
});
