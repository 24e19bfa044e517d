import { isDeepStrictEqual } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { cachedRoutes, cachedServices } from "../../components/http-cache/cached-routes";
import { CACHED_ROUTES_ANNOTATION } from "../../components/http-cache/http-cache";
import {
  CACHE_HTTP_PORT,
  CACHE_PURGE_PORT,
  HTTP_CACHE_NAME,
  HTTP_CACHE_PURGE_SERVICE,
} from "../../components/http-cache/ports";
import { backendName } from "../../components/http-cache/vcl";
import { shortHash } from "../../components/kube/hash";
import { selectorLabels } from "../../components/kube/labels";
import { HTTP_PORT } from "../../components/service/environment";
import type { ServiceSpec } from "../../components/service/spec";
import { CACHED_ROUTES_ANNOTATION as POLICY_ANNOTATION } from "../../policies/checks/http-cache-safe";
import { loadPackConfig } from "../../policies/runner/config";
import { runPolicyGate } from "../../tools/plan/policy-gate";
import { catalog } from "../helpers/catalog";
import { nonEmpty } from "../helpers/non-empty";
import { baseConfig, type KubeObject, type Planned, plan } from "../helpers/program";

// The cache tier as the program renders it from the catalog: the VCL, the routing, the network
// paths and the policy. Expectations come from the catalog's own cached routes.

const routes = cachedRoutes(catalog);
const fronted = cachedServices(routes);
const namespace = String(baseConfig().namespace);

function vclOf(p: Planned): { cm: KubeObject; vcl: string } {
  const cm = p.all("ConfigMap").find((c) => c.data?.["default.vcl"] !== undefined);
  if (!cm) throw new Error("no VCL ConfigMap in the plan");
  return { cm, vcl: cm.data["default.vcl"] as string };
}

describe("the catalog opts routes into the cache", () => {
  it("has at least one cached route (the plans render the tier)", () => {
    expect(routes.length).toBeGreaterThan(0);
  });
});

describe("HTTP cache tier under the local stack", () => {
  let p: Planned;
  beforeAll(async () => {
    p = await plan({ ...baseConfig(), replicaCap: 50 });
  }, 120_000);

  it("generates one backend per fronted service and one block per cached route, nothing else", () => {
    const { vcl } = vclOf(p);
    for (const s of nonEmpty(fronted)) {
      expect(vcl).toContain(`backend ${backendName(s)} {`);
      expect(vcl).toContain(`.host = "${s}.${namespace}.svc.cluster.local";`);
    }
    expect(vcl.match(/^backend svc_/gm)).toHaveLength(fronted.length);
    for (const r of nonEmpty(routes)) {
      expect(vcl).toContain(`req.url ~ "^${r.pathPrefix.replace(/\/+$/, "")}(/|\\?|$)"`);
      expect(vcl).toContain(`set beresp.ttl = ${r.cache.ttl}s;`);
      expect(vcl).toContain(`set beresp.grace = ${r.cache.grace}s;`);
      for (const h of r.cache.vary) expect(vcl).toContain(`hash_data(req.http.${h});`);
    }
    for (const s of nonEmpty(catalog.filter((c) => !fronted.includes(c.name))))
      expect(vcl).not.toContain(`backend ${backendName(s.name)} {`);
    expect(vcl.includes("set beresp.do_esi = true;")).toBe(routes.some((r) => r.cache.esi));
  });

  it("rolls the pods when the VCL changes and mounts it", () => {
    const { cm, vcl } = vclOf(p);
    const d = p.one("Deployment", HTTP_CACHE_NAME);
    expect(d.spec.template.metadata.annotations["platform.internal/config-hash"]).toBe(shortHash(vcl));
    expect(d.spec.template.spec.volumes.find((v: { name: string }) => v.name === "vcl").configMap.name).toBe(
      cm.metadata.name,
    );
    const annotated = JSON.parse(cm.metadata.annotations?.[CACHED_ROUTES_ANNOTATION] ?? "[]");
    expect(annotated.map((r: { pathPrefix: string }) => r.pathPrefix)).toEqual(
      routes.map((r) => r.pathPrefix),
    );
    expect(CACHED_ROUTES_ANNOTATION).toBe(POLICY_ANNOTATION);
  });

  it("replicates the tier with a disruption budget, and purges through a headless Service", () => {
    const d = p.one("Deployment", HTTP_CACHE_NAME);
    expect(d.spec.replicas).toBeGreaterThan(1);
    expect(p.one("PodDisruptionBudget", HTTP_CACHE_NAME).spec.maxUnavailable).toBe(1);
    const purge = p.one("Service", HTTP_CACHE_PURGE_SERVICE);
    expect(purge.spec.clusterIP).toBe("None");
    expect(purge.spec.ports.map((x: { port: number }) => x.port)).toEqual([CACHE_PURGE_PORT]);
  });

  it("sends cached prefixes through the cache and the others straight to their service", () => {
    for (const s of nonEmpty(
      catalog.filter((x) => x.routes?.length),
      "services with routes",
    )) {
      for (const r of s.routes ?? []) {
        const route = p.one("HTTPRoute", s.name);
        const rule = route.spec.rules.find(
          (x: { matches: { path: { value: string } }[] }) => x.matches[0]?.path.value === r.pathPrefix,
        );
        expect(rule.backendRefs).toEqual(
          r.cache ? [{ name: HTTP_CACHE_NAME, port: CACHE_HTTP_PORT }] : [{ name: s.name, port: HTTP_PORT }],
        );
      }
    }
  });

  it("opens the purge listener to the platform's services only, cached traffic to the gateway only", () => {
    const np = p.one("NetworkPolicy", HTTP_CACHE_NAME);
    const gatewayNamespaces = (baseConfig().gateway as { allowFrom: { namespaces: string[] } }).allowFrom
      .namespaces;
    const purgeRules = np.spec.ingress.filter((r: { ports: { port: number }[] }) =>
      r.ports.some((x) => x.port === CACHE_PURGE_PORT),
    );
    expect(purgeRules).toHaveLength(1);
    expect(purgeRules[0].from).toEqual([
      {
        podSelector: {
          matchExpressions: [
            { key: "app.kubernetes.io/name", operator: "In", values: catalog.map((s) => s.name) },
          ],
        },
      },
    ]);
    const httpRules = np.spec.ingress.filter((r: { ports: { port: number }[] }) =>
      r.ports.some((x) => x.port === CACHE_HTTP_PORT),
    );
    expect(httpRules.flatMap((r: { from: unknown[] }) => r.from)).toEqual(
      gatewayNamespaces.map((n) => ({
        namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": n } },
      })),
    );
    expect(np.spec.egress[0].to[0].podSelector.matchExpressions[0].values).toEqual(fronted);
  });

  it("lets the cache reach the services it fronts and every service reach the purge listener", () => {
    const cachePods = { podSelector: { matchLabels: selectorLabels(HTTP_CACHE_NAME, "http-cache") } };
    for (const s of nonEmpty(catalog)) {
      const np = p.one("NetworkPolicy", s.name);
      const fromCache = np.spec.ingress.some((r: { from: unknown[] }) =>
        r.from.some((f) => isDeepStrictEqual(f, cachePods)),
      );
      expect(fromCache, s.name).toBe(fronted.includes(s.name));
      const toPurge = np.spec.egress.some(
        (r: { to: unknown[]; ports: { port: number }[] }) =>
          r.ports.some((x) => x.port === CACHE_PURGE_PORT) && isDeepStrictEqual(r.to, [cachePods]),
      );
      expect(toPurge, s.name).toBe(true);
      const env = p.environment("Deployment", s.name);
      expect(env.APP__HTTP_CACHE__PURGE_HOST).toBe(
        `${HTTP_CACHE_PURGE_SERVICE}.${namespace}.svc.cluster.local`,
      );
      expect(env.APP__HTTP_CACHE__PURGE_PORT).toBe(String(CACHE_PURGE_PORT));
    }
  });

  it("passes the pack, http-cache-safe included", () => {
    const report = runPolicyGate(p.resources, loadPackConfig("local"), { "platform:stack": "local" });
    expect(report.violations.filter((v) => v.enforcementLevel === "mandatory")).toEqual([]);
  });
});

describe("a route caching authenticated responses", () => {
  it("is rejected by http-cache-safe unless it varies on the credential", async () => {
    const target = catalog.find((s) => (s.routes ?? []).length > 0) as ServiceSpec;
    const withRoute = (vary: string[]): ServiceSpec[] =>
      catalog.map((s) =>
        s.name === target.name
          ? {
              ...s,
              routes: (s.routes ?? []).map((r) => ({
                ...r,
                cache: { ttl: 60, vary, cacheAuthenticated: true },
              })),
            }
          : s,
      );
    const gate = async (specs: ServiceSpec[]) =>
      runPolicyGate((await plan(baseConfig(), { catalog: specs })).resources, loadPackConfig("local"), {
        "platform:stack": "local",
      }).violations.filter((v) => v.policy === "http-cache-safe");
    const shared = await gate(withRoute([]));
    expect(shared.map((v) => v.message).join("\n")).toContain(
      `route ${target.routes?.[0]?.pathPrefix} of service ${target.name} caches authenticated responses`,
    );
    expect(await gate(withRoute(["Authorization"]))).toEqual([]);
  }, 240_000);
});

describe("without a cached route", () => {
  it("renders no tier and routes everything straight to the services", async () => {
    const uncached = catalog.map((s) => ({
      ...s,
      routes: (s.routes ?? []).map(({ pathPrefix }) => ({ pathPrefix })),
    }));
    const p = await plan(baseConfig(), { catalog: uncached });
    expect(p.find("Deployment", HTTP_CACHE_NAME)).toBeUndefined();
    expect(p.find("Service", HTTP_CACHE_PURGE_SERVICE)).toBeUndefined();
    for (const s of nonEmpty(catalog))
      expect(p.environment("Deployment", s.name).APP__HTTP_CACHE__PURGE_HOST).toBeUndefined();
  }, 120_000);
});
