import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cachedRoutes, cachedServices } from "../../components/http-cache/cached-routes";
import { httpCacheImages } from "../../components/http-cache/images";
import { CACHE_METRICS_PORT, HTTP_CACHE_NAME } from "../../components/http-cache/ports";
import { CACHE_METRICS_PORT_NAME, VARNISH_INSTANCE } from "../../components/http-cache/varnish-pod";
import { backendName, renderVcl } from "../../components/http-cache/vcl";
import { HTTP_PORT } from "../../components/service/environment";
import { loadPackConfig } from "../../policies/runner/config";
import { runPolicyGate } from "../../tools/plan/policy-gate";
import { catalog } from "../helpers/catalog";
import { baseConfig, type KubeObject, type Planned, plan } from "../helpers/program";
import { plannedRuleGroups } from "../monitoring/helpers";

// The cache tier's metrics: the exporter sidecar as the plan renders it (the pack's rules for every
// container, the VSM shared read-only, scraped from the monitoring namespace only), its image in
// lockstep with Varnish's, and, where varnishd and the exporter are installed (Debian: apt-get
// install -y varnish prometheus-varnish-exporter), the sidecar's own command line run against a
// varnishd with the catalog's VCL: every varnish_* series the alerts and dashboards use exists.

const routes = cachedRoutes(catalog);
const fronted = cachedServices(routes);
const MONITORED: Record<string, unknown> = { ...baseConfig(), monitoring: { enabled: true } };

type Container = { name: string; args: string[]; [key: string]: unknown };
const podOf = (p: Planned) => p.one("Deployment", HTTP_CACHE_NAME).spec.template.spec;
const containerOf = (p: Planned, name: string): Container | undefined =>
  podOf(p).containers.find((c: Container) => c.name === name);

/** Every varnish_* series an expression reads: plain names, and `__name__=~` patterns. */
function seriesOf(expr: string): { names: string[]; patterns: RegExp[] } {
  const patterns = [...expr.matchAll(/__name__=~"([^"]+)"/g)].map((m) => new RegExp(`^(?:${m[1]})$`));
  const rest = expr.replace(/__name__=~"[^"]+"/g, "");
  return { names: [...new Set(rest.match(/\bvarnish_[a-z0-9_]+/g) ?? [])], patterns };
}

function cacheExpressions(p: Planned): string[] {
  const rules = plannedRuleGroups(p)
    .flatMap((g) => g.rules)
    .filter((r) => r.labels.service === HTTP_CACHE_NAME)
    .map((r) => r.expr);
  const dashboards = p
    .all("ConfigMap")
    .filter((c) => c.metadata.labels?.grafana_dashboard === "1")
    .flatMap((c: KubeObject) => Object.values(c.data as Record<string, string>))
    .flatMap((json) =>
      (JSON.parse(json).panels as Array<{ targets: Array<{ expr: string }> }>).flatMap((x) => x.targets),
    )
    .map((t) => t.expr)
    .filter((e) => e.includes("varnish_"));
  return [...rules, ...dashboards];
}

describe("the exporter image", () => {
  it("is built on the Varnish version the tier runs (its varnishstat reads our varnishd's memory)", () => {
    const varnish = /:(\d+\.\d+\.\d+)(@sha256:[a-f0-9]{64})?$/.exec(httpCacheImages.varnish)?.[1];
    const exporter = /-varnish-(\d+\.\d+\.\d+)(@sha256:[a-f0-9]{64})?$/.exec(
      httpCacheImages.varnishExporter,
    )?.[1];
    expect(varnish).toBeDefined();
    expect(exporter).toBe(varnish);
  });
});

describe("the cache tier with monitoring on", () => {
  let p: Planned;
  beforeAll(async () => {
    p = await plan(MONITORED);
  }, 120_000);

  it("runs the exporter beside varnishd on the same instance, the VSM shared read-only", () => {
    expect(fronted.length).toBeGreaterThan(0);
    const varnish = containerOf(p, "varnish") as Container;
    const exporter = containerOf(p, "exporter") as Container & {
      volumeMounts: Array<{ name: string; mountPath: string; readOnly?: boolean }>;
      securityContext: Record<string, unknown>;
      resources: { requests: Record<string, string>; limits: Record<string, string> };
      ports: Array<{ name: string; containerPort: number }>;
    };
    expect(exporter).toBeDefined();
    expect(exporter.image).toBe(httpCacheImages.varnishExporter);
    const instance = (args: string[]) => args[args.indexOf("-n") + 1];
    expect(instance(exporter.args)).toBe(instance(varnish.args));
    expect(instance(varnish.args)).toBe(VARNISH_INSTANCE);
    const mount = exporter.volumeMounts.find((m) => VARNISH_INSTANCE.startsWith(`${m.mountPath}/`));
    expect(mount?.readOnly).toBe(true);
    const shared = (varnish.volumeMounts as typeof exporter.volumeMounts).find((m) => m.name === mount?.name);
    expect(shared?.mountPath).toBe(mount?.mountPath);
    expect(shared?.readOnly).not.toBe(true);
    expect(podOf(p).volumes.find((v: { name: string }) => v.name === mount?.name)?.emptyDir).toBeDefined();
    expect(exporter.securityContext).toMatchObject({
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      runAsNonRoot: true,
      capabilities: { drop: ["ALL"] },
    });
    expect(exporter.resources.requests.cpu).toBeDefined();
    expect(exporter.resources.limits.memory).toBe(exporter.resources.requests.memory);
    expect(exporter.ports).toEqual([
      { name: CACHE_METRICS_PORT_NAME, containerPort: CACHE_METRICS_PORT, protocol: "TCP" },
    ]);
  });

  it("is scraped by a PodMonitor on the exporter's port, from the monitoring namespace only", () => {
    const monitor = p.all("PodMonitor").find((m) => m.metadata.name === HTTP_CACHE_NAME);
    const deployment = p.one("Deployment", HTTP_CACHE_NAME);
    expect(monitor?.spec.selector.matchLabels).toEqual(deployment.spec.selector.matchLabels);
    expect(monitor?.spec.podMetricsEndpoints[0].port).toBe(CACHE_METRICS_PORT_NAME);
    const policy = p.one("NetworkPolicy", HTTP_CACHE_NAME);
    const scrape = policy.spec.ingress.filter((r: { ports: Array<{ port: number }> }) =>
      r.ports.some((x) => x.port === CACHE_METRICS_PORT),
    );
    expect(scrape).toHaveLength(1);
    expect(JSON.stringify(scrape[0].from)).toContain('"kubernetes.io/metadata.name":"monitoring"');
    expect(scrape[0].ports).toEqual([{ port: CACHE_METRICS_PORT, protocol: "TCP" }]);
  });

  it("passes the policy pack", () => {
    const report = runPolicyGate(p.resources, loadPackConfig("local"), { "platform:stack": "local" });
    expect(report.violations.filter((v) => v.enforcementLevel === "mandatory")).toEqual([]);
  });

  it("takes the exporter from the mirror, or exactly as overridden (a digest too)", async () => {
    const pinnedDigest = `m.example.com/varnish-exporter@sha256:${"a".repeat(64)}`;
    const images = MONITORED.images as Record<string, unknown>;
    const mirrored = await plan({ ...MONITORED, images: { ...images, mirror: "m.example.com/hub" } });
    expect(containerOf(mirrored, "exporter")?.image).toBe(
      `m.example.com/hub/${httpCacheImages.varnishExporter.slice(httpCacheImages.varnishExporter.indexOf("/") + 1)}`,
    );
    const overridden = await plan({
      ...MONITORED,
      images: { ...images, overrides: { varnishExporter: pinnedDigest } },
    });
    expect(containerOf(overridden, "exporter")?.image).toBe(pinnedDigest);
  }, 120_000);
});

describe("the cache tier with monitoring off", () => {
  it("has no exporter and no metrics port open", async () => {
    const p = await plan(baseConfig());
    expect(podOf(p).containers.map((c: Container) => c.name)).toEqual(["varnish"]);
    expect(JSON.stringify(p.one("NetworkPolicy", HTTP_CACHE_NAME).spec.ingress)).not.toContain(
      String(CACHE_METRICS_PORT),
    );
  }, 120_000);
});

// ---- the real thing ----------------------------------------------------------------------------

const has = (binary: string, flag: string) => {
  const r = spawnSync(binary, [flag], { encoding: "utf8" });
  return r.error === undefined;
};
const installed = has("varnishd", "-V") && has("prometheus-varnish-exporter", "-version");
if (!installed)
  console.warn(
    "http-cache metrics: varnishd or prometheus-varnish-exporter not found, skipping the real scrape (apt-get install -y varnish prometheus-varnish-exporter)",
  );

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

describe.skipIf(!installed)(
  "the sidecar's command line against a real varnishd with the catalog's VCL",
  () => {
    const dir = mkdtempSync(join(tmpdir(), "varnish-metrics-"));
    const children: ChildProcess[] = [];
    let scrape = "";
    let planned: Planned;

    beforeAll(async () => {
      planned = await plan(MONITORED);
      chmodSync(dir, 0o755);
      const vcl = join(dir, "default.vcl");
      const rendered = renderVcl({ namespace: "platform", backendPort: HTTP_PORT, routes });
      writeFileSync(vcl, rendered.replace(/\.host = "[^"]+";/g, '.host = "127.0.0.1";'), { mode: 0o644 });
      const instance = join(dir, "platform");
      children.push(
        spawn(
          "varnishd",
          [
            "-F",
            "-j",
            "none",
            "-n",
            instance,
            "-f",
            vcl,
            "-a",
            "127.0.0.1:0",
            "-T",
            "none",
            "-s",
            "malloc,16M",
          ],
          { stdio: "ignore" },
        ),
      );
      const port = await freePort();
      // The rendered arguments, with the instance and the listener moved to this machine.
      const args = (containerOf(planned, "exporter") as Container).args.map((a) =>
        a === VARNISH_INSTANCE ? instance : a === `:${CACHE_METRICS_PORT}` ? `127.0.0.1:${port}` : a,
      );
      children.push(spawn("prometheus-varnish-exporter", args, { stdio: "ignore" }));
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline) {
        try {
          const body = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
          if (/^varnish_up 1$/m.test(body) && /^varnish_backend_req\{/m.test(body)) {
            scrape = body;
            break;
          }
        } catch {
          // not listening yet
        }
        await new Promise((r) => setTimeout(r, 500));
      }
    }, 120_000);

    afterAll(() => {
      for (const c of children) c.kill("SIGTERM");
      rmSync(dir, { recursive: true, force: true });
    });

    it("serves varnishd's counters (varnish_up 1)", () => {
      expect(scrape).toMatch(/^varnish_up 1$/m);
    });

    it("has every varnish_* series the cache's alerts and dashboards read", () => {
      const present = new Set(
        scrape
          .split("\n")
          .filter((l) => l && !l.startsWith("#"))
          .map((l) => l.split(/[{ ]/)[0] as string),
      );
      const exprs = cacheExpressions(planned);
      expect(exprs.length).toBeGreaterThan(3);
      for (const expr of exprs) {
        const { names, patterns } = seriesOf(expr);
        for (const name of names) expect(present.has(name), `${name} in ${expr}`).toBe(true);
        for (const re of patterns)
          expect(
            [...present].some((n) => re.test(n)),
            `${re} in ${expr}`,
          ).toBe(true);
      }
    });

    it("names each fronted service's backend as the dashboards select it", () => {
      for (const service of fronted)
        expect(scrape, service).toContain(`varnish_backend_req{backend="${backendName(service)}"`);
    });
  },
);
