import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { cachedRoutes, cachedServices } from "../../components/http-cache/cached-routes";
import { HTTP_CACHE_NAME } from "../../components/http-cache/ports";
import { podPattern } from "../../components/monitoring/rules";
import { monitoredService } from "../../infra/monitoring";
import { planStack } from "../azure/helpers";
import { nonEmpty } from "../helpers/non-empty";
import { baseConfig, type Planned, plan } from "../helpers/program";
import { deployedSpecs, plannedRuleGroups, promtool, promtoolPath } from "./helpers";

// Monitors, alert rules and dashboards of the rendered local (in-cluster) and prod (Azure) plans,
// derived from the catalog entries each plan deploys.

const stacks = ["local", "prod"] as const;
const plans: Record<string, Planned> = {};

beforeAll(async () => {
  for (const stack of stacks) plans[stack] = await planStack(stack);
}, 240_000);

describe.each(stacks)("the %s plan", (stack) => {
  const planned = () => plans[stack] as Planned;
  const namespace = () => planned().run.outputs.namespace as string;

  it("scrapes Caddy's :2019 metrics of every service's web pods", () => {
    const specs = deployedSpecs(planned());
    expect(specs.length).toBeGreaterThan(0);
    for (const spec of nonEmpty(specs)) {
      const monitor = planned()
        .all("PodMonitor")
        .find((m) => m.metadata.name === spec.name);
      expect(monitor, spec.name).toBeDefined();
      expect(monitor?.metadata.namespace).toBe(namespace());
      const web = planned().one("Deployment", spec.name);
      expect(monitor?.spec.selector.matchLabels).toEqual(web.spec.selector.matchLabels);
      const endpoint = monitor?.spec.podMetricsEndpoints[0];
      const port = web.spec.template.spec.containers[0].ports.find(
        (p: { name: string }) => p.name === endpoint.port,
      );
      expect(port?.containerPort).toBe(2019);
      expect(endpoint.path).toBe("/metrics");
    }
  });

  it("has alert rules for every service: 5xx ratio, latency, restarts, crash loops, migrations, queues", () => {
    const groups = plannedRuleGroups(planned());
    nonEmpty(
      deployedSpecs(planned()).flatMap((s) => s.messaging?.queues ?? []),
      "queues of the deployed services",
    );
    for (const spec of nonEmpty(deployedSpecs(planned()))) {
      const alerts = groups
        .flatMap((g) => g.rules)
        .filter((r) => r.labels.service === spec.name)
        .map((r) => r.alert);
      for (const suffix of ["HighErrorRatio", "HighLatency", "PodsRestarting", "CrashLooping"])
        expect(
          alerts.some((a) => a.endsWith(suffix)),
          `${spec.name} ${suffix}`,
        ).toBe(true);
      expect(alerts.some((a) => a.endsWith("MigrationFailed"))).toBe(spec.database !== undefined);
      const queueAlerts = groups
        .flatMap((g) => g.rules)
        .filter((r) => r.labels.service === spec.name && r.labels.queue);
      for (const queue of spec.messaging?.queues ?? []) {
        expect(queueAlerts.map((r) => r.labels.queue)).toContain(queue.name);
        if (queue.deadLetter !== false)
          expect(queueAlerts.map((r) => r.labels.queue)).toContain(`${queue.name}.dlq`);
      }
    }
    const shared = groups.flatMap((g) => g.rules).map((r) => r.alert);
    for (const alert of [
      "RedisMemoryNearLimit",
      "RedisEvictingKeys",
      "PostgresConnectionsNearLimit",
      "LogShipperDroppingLines",
    ])
      expect(shared).toContain(alert);
  });

  it("ships one Grafana dashboard per service as a ConfigMap", () => {
    const maps = planned()
      .all("ConfigMap")
      .filter((c) => c.metadata.labels?.grafana_dashboard === "1");
    nonEmpty(
      deployedSpecs(planned()).flatMap((s) => s.messaging?.queues ?? []),
      "queues of the deployed services",
    );
    for (const spec of nonEmpty(deployedSpecs(planned()))) {
      const map = maps.find((m) => m.metadata.name === `dashboard-${namespace()}-${spec.name}`);
      expect(map, spec.name).toBeDefined();
      const model = JSON.parse(Object.values(map?.data as Record<string, string>)[0] as string);
      const titles = model.panels.map((p: { title: string }) => p.title);
      expect(titles).toContain("5xx ratio");
      for (const queue of spec.messaging?.queues ?? []) expect(titles).toContain(`Queue ${queue.name}`);
    }
  });
});

describe.each(stacks)("the HTTP cache tier of the %s plan", (stack) => {
  const planned = () => plans[stack] as Planned;
  const namespace = () => planned().run.outputs.namespace as string;
  const fronted = () => cachedServices(cachedRoutes(deployedSpecs(planned())));

  it("is scraped on its exporter sidecar and has the hit-ratio collapse and eviction storm alerts", () => {
    expect(fronted().length).toBeGreaterThan(0);
    const cache = planned().one("Deployment", HTTP_CACHE_NAME);
    const monitor = planned()
      .all("PodMonitor")
      .find((m) => m.metadata.name === HTTP_CACHE_NAME);
    expect(monitor?.spec.selector.matchLabels).toEqual(cache.spec.selector.matchLabels);
    const port = monitor?.spec.podMetricsEndpoints[0].port;
    const exporters = cache.spec.template.spec.containers.filter((c: { ports?: Array<{ name: string }> }) =>
      (c.ports ?? []).some((p) => p.name === port),
    );
    expect(exporters.map((c: { name: string }) => c.name)).toEqual(["exporter"]);
    const alerts = plannedRuleGroups(planned())
      .flatMap((g) => g.rules)
      .filter((r) => r.labels.service === HTTP_CACHE_NAME);
    expect(alerts.map((r) => r.alert)).toEqual(
      expect.arrayContaining(["HttpCacheHitRatioCollapse", "HttpCacheEvictionStorm"]),
    );
    for (const r of alerts) expect(r.labels.namespace).toBe(namespace());
  });

  it("has a dashboard of its own, and a cache panel on each cached service's dashboard only", () => {
    const maps = planned()
      .all("ConfigMap")
      .filter((c) => c.metadata.labels?.grafana_dashboard === "1");
    const titles = (name: string) => {
      const map = maps.find((m) => m.metadata.name === `dashboard-${namespace()}-${name}`);
      expect(map, name).toBeDefined();
      const model = JSON.parse(Object.values(map?.data as Record<string, string>)[0] as string);
      return model.panels.map((p: { title: string }) => p.title) as string[];
    };
    expect(titles(HTTP_CACHE_NAME)).toEqual(
      expect.arrayContaining([
        "Hit ratio",
        "Evictions and expiries per second",
        "Backend fetch time (p95 of the cached services)",
      ]),
    );
    for (const spec of deployedSpecs(planned()))
      expect(titles(spec.name).includes("HTTP cache: fetches from the cache tier"), spec.name).toBe(
        fronted().includes(spec.name),
      );
  });
});

describe("the in-cluster monitoring stack (local plan)", () => {
  it("installs Prometheus, Alertmanager and Grafana from the pinned chart, never with the default password", () => {
    const chart = plans.local?.resource("kubernetes:helm.sh/v4:Chart", (r) =>
      r.name.startsWith("monitoring"),
    );
    const inputs = chart?.inputs as {
      chart: string;
      version: string;
      values: {
        grafana: { admin: { existingSecret: string } };
        nodeExporter: { enabled: boolean };
      };
    };
    expect(inputs.chart).toBe("kube-prometheus-stack");
    expect(inputs.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(inputs.values.grafana.admin.existingSecret).toBe("grafana-admin");
    expect(inputs.values.nodeExporter.enabled).toBe(false);
  });

  it("runs exporters next to PostgreSQL and Redis and opens only their metrics port to the monitoring namespace", () => {
    const local = plans.local as Planned;
    for (const name of ["postgres", "redis"]) {
      const containers = local.one("StatefulSet", name).spec.template.spec.containers;
      const exporter = containers.find((c: { name: string }) => c.name === "exporter");
      expect(exporter?.ports[0].name).toBe("metrics");
      expect(exporter?.readinessProbe.httpGet.port).toBe("metrics");
      const policy = local.one("NetworkPolicy", name);
      const scrape = policy.spec.ingress.find((r: { from: unknown[] }) =>
        JSON.stringify(r.from).includes('"monitoring"'),
      );
      expect(scrape.ports).toEqual([{ port: exporter.ports[0].containerPort, protocol: "TCP" }]);
    }
    const rabbit = local.one("StatefulSet", "rabbitmq").spec.template.spec.containers[0];
    expect(rabbit.ports.map((p: { name: string }) => p.name)).toContain("metrics");
  });

  it("matches each service's pods, and no other service's, in restart and crash-loop rules", () => {
    const local = plans.local as Planned;
    const specs = deployedSpecs(local);
    for (const spec of nonEmpty(specs)) {
      const pattern = new RegExp(`^(?:${podPattern(monitoredService(spec))})$`);
      const own = [spec.name, ...(spec.messaging?.consumers ?? []).map((c) => `${spec.name}-${c.name}`)];
      for (const deployment of nonEmpty(local.all("Deployment").map((d) => d.metadata.name))) {
        const pod = `${deployment}-5d8f7c9b6d-x7k2p`;
        expect(pattern.test(pod), `${spec.name} vs ${pod}`).toBe(own.includes(deployment));
      }
    }
  });
});

describe("monitoring disabled", () => {
  it("registers no monitor, rule or dashboard and no exporter", async () => {
    const planned = await plan(baseConfig());
    expect(planned.all("PodMonitor")).toEqual([]);
    expect(planned.all("PrometheusRule")).toEqual([]);
    const postgres = planned.one("StatefulSet", "postgres").spec.template.spec.containers;
    expect(postgres.map((c: { name: string }) => c.name)).toEqual(["postgres"]);
  }, 120_000);
});

describe("promtool check rules", () => {
  const binary = promtoolPath();
  if (!binary) {
    console.log(
      "promtool check rules: skipped, promtool is not built on this machine (run tools/promtool/build.sh)",
    );
  }

  it.skipIf(!binary).each(stacks)("accepts every generated rule of the %s plan", (stack) => {
    const groups = plannedRuleGroups(plans[stack] as Planned).map((g) => ({
      name: g.name,
      rules: g.rules.map((r) => ({
        alert: r.alert,
        expr: r.expr,
        for: stack === "prod" ? r.for.replace(/^PT/, "").toLowerCase() : r.for,
        labels: Object.fromEntries(Object.entries(r.labels).filter(([, v]) => typeof v === "string")),
        annotations: r.annotations,
      })),
    }));
    expect(groups.length).toBeGreaterThan(1);
    const file = join(mkdtempSync(join(tmpdir(), "rules-")), `${stack}.rules.yaml`);
    writeFileSync(file, stringify({ groups }));
    const result = promtool(["check", "rules", file]);
    expect(result.output).toMatch(/SUCCESS/);
    expect(result.status, result.output).toBe(0);
  });

  it.skipIf(!binary)("rejects a broken rule (the check is real)", () => {
    const file = join(mkdtempSync(join(tmpdir(), "rules-")), "broken.yaml");
    writeFileSync(
      file,
      stringify({ groups: [{ name: "g", rules: [{ alert: "A", expr: "sum(rate(x[5m])" }] }] }),
    );
    expect(promtool(["check", "rules", file]).status).not.toBe(0);
  });
});
