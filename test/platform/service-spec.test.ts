import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { ServiceSpec } from "../../components/service/spec";
import { ServiceGraph } from "../../infra/catalog/graph";
import { loadCatalog } from "../../infra/catalog/load";
import { catalog } from "../helpers/catalog";
import { nonEmpty } from "../helpers/non-empty";
import { baseConfig, type KubeObject, type Planned, plan } from "../helpers/program";

// A fourteenth service kept outside the platform repository (a fixture under test/), added with
// --service-spec: everything the platform derives from it is checked against the spec itself.

const ROOT = join(__dirname, "..", "..");
const TSX = join(ROOT, "node_modules", ".bin", "tsx");
const FIXTURE = join(__dirname, "fixtures", "service-specs", "newsletter.yaml");

type Peer = { podSelector?: { matchExpressions?: Array<{ values: string[] }> } };
const serviceNames = (peers: Peer[]) =>
  peers.flatMap((p) => p.podSelector?.matchExpressions?.[0]?.values ?? []);

/** Services a NetworkPolicy lets the pod call on :80, and services it lets in on `http`. */
function paths(policy: KubeObject): { egress: string[]; ingress: string[] } {
  const egress = (policy.spec.egress as Array<{ to: Peer[]; ports: Array<{ port: unknown }> }>)
    .filter((r) => r.ports.some((p) => p.port === 80))
    .flatMap((r) => serviceNames(r.to));
  const ingress = (policy.spec.ingress as Array<{ from: Peer[]; ports: Array<{ port: unknown }> }>)
    .filter((r) => r.ports.some((p) => p.port === "http"))
    .flatMap((r) => serviceNames(r.from));
  return { egress, ingress };
}

describe("a fourteenth service from a service repository (--service-spec)", () => {
  const extended = loadCatalog({ specFiles: [FIXTURE] });
  const spec = extended.services.find((s) => !catalog.some((c) => c.name === s.name)) as ServiceSpec;
  let planned: Planned;

  beforeAll(async () => {
    planned = await plan(baseConfig(), { catalog: extended.services });
  }, 120_000);

  it("joins the catalog as one more entry, named by its file", () => {
    expect(spec).toBeDefined();
    expect(extended.services.map((s) => s.name)).toEqual([...catalog.map((s) => s.name), spec.name]);
    expect(extended.sourceOf(spec.name)).toBe("test/platform/fixtures/service-specs/newsletter.yaml");
    expect(planned.run.error).toBeUndefined();
  });

  it("gets a web Deployment with its image, a Service and an autoscaler in its replica range", () => {
    const deployment = planned.one("Deployment", spec.name);
    expect(deployment.spec.template.spec.containers[0].image).toBe(
      `registry.example.com/platform/${spec.image ?? spec.name}:2026.11.3`,
    );
    expect(planned.container("Deployment", spec.name).readinessProbe.httpGet.path).toBe(spec.readinessPath);
    expect(planned.one("Service", spec.name).spec.selector["app.kubernetes.io/name"]).toBe(spec.name);
    const hpa = planned.one("HorizontalPodAutoscaler", spec.name);
    expect([hpa.spec.minReplicas, hpa.spec.maxReplicas]).toEqual([
      spec.web.replicas?.min,
      spec.web.replicas?.max,
    ]);
  });

  it("gets a ConfigMap with one host variable per dependency", () => {
    const env = planned.environment("Deployment", spec.name);
    for (const d of nonEmpty(spec.dependsOn)) {
      expect(env[`APP__${d.toUpperCase()}__HOST`]).toBe(`${d}.platform.svc.cluster.local`);
    }
    const configMaps = planned.all("ConfigMap").filter((c) => c.metadata.name.startsWith(`${spec.name}-env`));
    expect(configMaps).toHaveLength(1);
  });

  it("gets NetworkPolicies both ways: it may call its dependencies, and they admit it", () => {
    expect(paths(planned.one("NetworkPolicy", spec.name)).egress.sort()).toEqual([...spec.dependsOn].sort());
    expect(paths(planned.one("NetworkPolicy", spec.name)).ingress).toEqual([]);
    for (const d of nonEmpty(spec.dependsOn))
      expect(paths(planned.one("NetworkPolicy", d)).ingress).toContain(spec.name);
    const others = catalog.filter((s) => !spec.dependsOn.includes(s.name));
    for (const o of nonEmpty(others))
      expect(paths(planned.one("NetworkPolicy", o.name)).ingress).not.toContain(spec.name);
  });

  it("gets an HTTPRoute per public path prefix", () => {
    const route = planned.one("HTTPRoute", spec.name);
    const prefixes = route.spec.rules.flatMap((r: { matches: Array<{ path: { value: string } }> }) =>
      r.matches.map((m) => m.path.value),
    );
    expect(prefixes).toEqual((spec.routes ?? []).map((r) => r.pathPrefix));
  });

  it("gets a migration Job, a CronJob per scheduled job and a Deployment per consumer", () => {
    const migrations = planned.all("Job").filter((j) => j.metadata.name.startsWith(`${spec.name}-migrate-`));
    expect(migrations).toHaveLength(1);
    for (const job of spec.scheduledJobs ?? []) {
      const cron = planned.one("CronJob", `${spec.name}-${job.name}`);
      expect(cron.spec.schedule).toBe(job.schedule);
      expect(cron.spec.concurrencyPolicy).toBe("Forbid");
    }
    for (const consumer of spec.messaging?.consumers ?? []) {
      const args = planned.container("Deployment", `${spec.name}-${consumer.name}`).command.join(" ");
      expect(args).toContain("messenger:consume");
      for (const q of nonEmpty(consumer.queues)) expect(args).toContain(q);
    }
  });

  it("adds its edges to the dependency graph", () => {
    const graph = new ServiceGraph(extended.services);
    for (const d of nonEmpty(spec.dependsOn)) {
      expect(graph.edges()).toContainEqual([spec.name, d]);
      expect(graph.dependents(d)).toContain(spec.name);
    }
    expect(graph.closure([spec.name])).toEqual(
      new ServiceGraph(catalog)
        .closure(spec.dependsOn)
        .concat(spec.name)
        .sort(
          (a, b) =>
            extended.services.findIndex((s) => s.name === a) -
            extended.services.findIndex((s) => s.name === b),
        ),
    );
  });

  it("is planned by `npm run plan -- --service-spec <file>` with the policy pack clean", () => {
    const out = mkdtempSync(join(tmpdir(), "plan-spec-"));
    const run = spawnSync(TSX, ["tools/plan.ts", "--out", out, "--service-spec", FIXTURE], {
      cwd: ROOT,
      encoding: "utf8",
    });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(`services: ${catalog.length + 1} (`);
    expect(run.stdout).toContain(`, ${spec.name})`);
    expect(run.stdout).toMatch(/policies: \d+ run, 0 mandatory/);
  }, 120_000);
});
