import { beforeAll, describe, expect, it } from "vitest";
import { credentialKeysOf, needs } from "../../components/backing/kind";
import { backingKinds, databaseKind } from "../../components/backing/kinds";
import { migrationJobName } from "../../components/service/migration-job";
import { serviceProcesses } from "../../components/service/processes";
import { resolvePhpLimits } from "../../components/service/spec";
import { ServiceGraph } from "../../infra/catalog/graph";
import { catalog } from "../helpers/catalog";
import { nonEmpty } from "../helpers/non-empty";
import { baseConfig, type KubeObject, type Planned, plan } from "../helpers/program";

// The service component's guarantees, read off the objects the real program registers.

let planned: Planned;
const graph = new ServiceGraph(catalog);
const image = (s: string) => `registry.example.com/platform/${s}:2026.11.3`;

beforeAll(async () => {
  planned = await plan(baseConfig());
  expect(planned.run.error).toBeUndefined();
}, 60_000);

const podSpecOf = (o: KubeObject) =>
  o.kind === "CronJob" ? o.spec.jobTemplate.spec.template.spec : o.spec.template.spec;
const appWorkloads = () =>
  ["Deployment", "Job", "CronJob"]
    .flatMap((k) => planned.all(k))
    .filter((o) => catalog.some((s) => s.name === o.metadata.labels?.["app.kubernetes.io/name"]));

describe("probes", () => {
  it("give every web container three probes that answer different questions", () => {
    for (const s of nonEmpty(catalog)) {
      const web = planned.container("Deployment", s.name);
      expect(web.startupProbe.httpGet).toEqual({ path: "/metrics", port: "metrics" });
      expect(web.startupProbe.periodSeconds * web.startupProbe.failureThreshold).toBe(60);
      expect(web.readinessProbe.httpGet).toEqual({ path: s.readinessPath, port: "http" });
      expect(web.livenessProbe.httpGet.port).toBe("metrics");
      expect(web.livenessProbe.httpGet.path).not.toBe(s.readinessPath);
    }
  });

  it("give workers, migrations and scheduled jobs no HTTP probes (they serve nothing)", () => {
    const notWeb = appWorkloads().filter((o) => o.metadata.labels?.["app.kubernetes.io/component"] !== "web");
    expect(notWeb.length).toBeGreaterThan(10);
    for (const o of nonEmpty(notWeb)) {
      const c = podSpecOf(o).containers[0];
      expect(c.ports, `${o.kind} ${o.metadata.name}`).toBeUndefined();
      expect(c.readinessProbe).toBeUndefined();
    }
  });
});

describe("migrations", () => {
  it("run as a Job per service with a database, with the web image and command, before the rollout", () => {
    for (const s of nonEmpty(catalog.filter((c) => needs(databaseKind, c)))) {
      const name = migrationJobName(s.name, image(s.name));
      const job = planned.one("Job", name);
      const c = podSpecOf(job).containers[0];
      expect(c.image).toBe(image(s.name));
      // The framework's release command (commands.test.ts covers the presets and free commands).
      expect(c.command).toEqual(serviceProcesses(s, true).release.at(-1));
      expect(job.spec.ttlSecondsAfterFinished).toBeGreaterThan(0);
      // Same environment as the web container.
      expect(c.envFrom).toEqual(planned.container("Deployment", s.name).envFrom);
      const jobUrn = planned.resource("kubernetes:batch/v1:Job", (r) => r.name === `${s.name}-migration`).urn;
      const web = planned.resource("kubernetes:apps/v1:Deployment", (r) => r.name === `${s.name}-web`);
      expect(web.dependencies, `${s.name} web waits for its migration`).toContain(jobUrn);
    }
  });

  it("change name with the image, so a new image migrates again", async () => {
    const other = await plan({ ...baseConfig(), services: { content: { imageTag: "2026.12.0" } } });
    const before = planned.all("Job").find((j) => j.metadata.name.startsWith("content-migrate-"));
    const after = other.all("Job").find((j) => j.metadata.name.startsWith("content-migrate-"));
    expect(before?.metadata.name).not.toEqual(after?.metadata.name);
    expect(other.all("Job").find((j) => j.metadata.name.startsWith("media-migrate-"))?.metadata.name).toEqual(
      planned.all("Job").find((j) => j.metadata.name.startsWith("media-migrate-"))?.metadata.name,
    );
  }, 60_000);

  it("never run in a long-running container", () => {
    for (const o of [
      ...planned.all("Deployment"),
      ...planned.all("StatefulSet"),
      ...planned.all("DaemonSet"),
    ]) {
      for (const c of [...(o.spec.template.spec.initContainers ?? []), ...o.spec.template.spec.containers]) {
        expect(JSON.stringify([c.command, c.args])).not.toMatch(/migrat/);
      }
    }
  });

  it("use Recreate only for services whose schema changes break old code", () => {
    for (const s of nonEmpty(catalog)) {
      expect(planned.one("Deployment", s.name).spec.strategy, s.name).toEqual(
        s.database?.schemaChanges === "breaking"
          ? { type: "Recreate" }
          : { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      );
    }
  });
});

describe("environment", () => {
  it("gives every service exactly one HOST variable per dependency, with cluster DNS names", () => {
    nonEmpty(
      catalog.flatMap((s) => graph.dependencies(s.name)),
      "dependencies between services",
    );
    for (const s of nonEmpty(catalog)) {
      const env = planned.environment("Deployment", s.name);
      const hosts = Object.entries(env).filter(([k]) => /^APP__.+__HOST$/.test(k));
      expect(hosts, s.name).toHaveLength(graph.dependencies(s.name).length);
      for (const dep of graph.dependencies(s.name)) {
        const key = `APP__${dep.toUpperCase().replaceAll("-", "_")}__HOST`;
        expect(env[key]).toBe(`${dep}.platform.svc.cluster.local`);
      }
      expect(Object.keys(env).some((k) => k.includes("GATEWAY"))).toBe(false);
    }
  });

  it("delivers every credential as a secretKeyRef and nothing secret as a literal", () => {
    const credentialNames = backingKinds.flatMap((k) => k.credentialKeys);
    for (const o of nonEmpty(appWorkloads())) {
      const c = podSpecOf(o).containers[0];
      for (const e of c.env ?? []) {
        expect(e.value, `${o.metadata.name} ${e.name}`).toBeUndefined();
        expect(e.valueFrom?.secretKeyRef?.key).toBe(e.name);
      }
      const cm = planned.one("ConfigMap", c.envFrom[0].configMapRef.name);
      for (const [k, v] of nonEmpty(Object.entries(cm.data as Record<string, string>))) {
        expect(credentialNames).not.toContain(k);
        expect(v).not.toMatch(/:\/\/[^/\s:]+:[^@\s]+@/);
      }
    }
    // In-cluster, every kind delivers every credential it declares (no workload identity).
    for (const s of nonEmpty(catalog)) {
      const env = planned.environment("Deployment", s.name);
      // the backing kinds' credentials, and the service's own secrets that have a value here
      const keys = [
        ...credentialKeysOf(backingKinds, s),
        ...(s.secrets ?? []).filter((x) => !x.optional).map((x) => x.name),
      ];
      for (const key of nonEmpty(keys)) expect(env[key], `${s.name} ${key}`).toHaveProperty("secretKeyRef");
      const refs = Object.entries(env).filter(([, v]) => (v as { secretKeyRef?: unknown })?.secretKeyRef);
      expect(refs.map(([k]) => k).sort(), s.name).toEqual([...keys].sort());
    }
  });

  it("points cache, sessions, locks and the rate limiter at Redis, with the service's prefix", () => {
    const env = planned.environment("Deployment", "authentication");
    expect(env).toMatchObject({
      APP__CACHE__ADAPTER: "cache.adapter.redis",
      APP__SESSION__HANDLER: "redis",
      APP__RATE_LIMITER__STORAGE: "redis",
      APP__REDIS__PREFIX: "authentication:",
      APP__WORKER_MODE__ENABLED: "false",
    });
  });

  it("selects object storage by environment, one container variable per bucket", () => {
    const withBuckets = catalog.filter((s) => (s.buckets ?? []).length > 0);
    expect(withBuckets.length).toBeGreaterThan(0);
    for (const s of nonEmpty(withBuckets)) {
      const env = planned.environment("Deployment", s.name);
      expect(env).toMatchObject({
        APP__FLYSYSTEM_MEDIA_STORAGE: "azure_blob",
        APP__STORAGE__AUTH: "connection-string",
      });
      for (const b of s.buckets ?? []) {
        expect(env[`APP__STORAGE__${b.name.toUpperCase().replaceAll("-", "_")}__CONTAINER`]).toBe(
          `${s.name}-${b.name}`,
        );
      }
    }
  });

  it("logs JSON to stderr at warning unless the stack or the service overrides it", async () => {
    expect(planned.environment("Deployment", "config")).toMatchObject({
      MONOLOG_LEVEL__DEFAULT: "warning",
      APP__LOG__FORMAT: "json",
      APP__LOG__STREAM: "php://stdout",
      APP__LOG__ERROR_STREAM: "php://stderr",
    });
    const debug = await plan({
      ...baseConfig(),
      logLevel: "error",
      services: { media: { logLevel: "debug" } },
    });
    expect(debug.environment("Deployment", "media").MONOLOG_LEVEL__DEFAULT).toBe("debug");
    expect(debug.environment("Deployment", "config").MONOLOG_LEVEL__DEFAULT).toBe("error");
  }, 60_000);

  it("carries the PHP request limits of the catalog and runs FrankenPHP on :80 with metrics on :2019", () => {
    for (const s of nonEmpty(catalog)) {
      const php = resolvePhpLimits(s.php);
      expect(planned.environment("Deployment", s.name), s.name).toMatchObject({
        PHP_MEMORY_LIMIT: `${php.memoryLimitMiB}M`,
        PHP_MAX_EXECUTION_TIME: String(php.maxExecutionSeconds),
        PHP_UPLOAD_MAX_FILESIZE: `${php.uploadMaxMiB}M`,
        SERVER_NAME: ":80",
        CADDY_GLOBAL_OPTIONS: "admin :2019\nmetrics",
      });
    }
    const web = planned.container("Deployment", "media");
    expect(web.ports).toEqual([
      { name: "http", containerPort: 80, protocol: "TCP" },
      { name: "metrics", containerPort: 2019, protocol: "TCP" },
    ]);
    expect(planned.one("Deployment", "media").spec.template.metadata.annotations["prometheus.io/port"]).toBe(
      "2019",
    );
  });
});

describe("security", () => {
  it("runs every application pod restricted: non-root, no escalation, no capabilities, RuntimeDefault, read-only root", () => {
    for (const o of nonEmpty(appWorkloads())) {
      const pod = podSpecOf(o);
      expect(pod.securityContext).toMatchObject({
        runAsNonRoot: true,
        seccompProfile: { type: "RuntimeDefault" },
      });
      expect(pod.securityContext.runAsUser).toBeGreaterThan(10_000);
      expect(pod.automountServiceAccountToken).toBe(false);
      for (const c of nonEmpty(pod.containers)) {
        expect(c.securityContext).toMatchObject({
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          capabilities: { drop: ["ALL"] },
        });
        expect(c.resources.requests.cpu).toBeDefined();
        expect(c.resources.limits.memory).toBeDefined();
      }
      expect(pod.volumes.every((v: { hostPath?: unknown }) => v.hostPath === undefined)).toBe(true);
    }
  });

  it("gives each service a ServiceAccount whose token is not mounted", () => {
    for (const s of nonEmpty(catalog))
      expect(planned.one("ServiceAccount", s.name).automountServiceAccountToken).toBe(false);
  });

  it("labels the namespace for Pod Security restricted", () => {
    expect(planned.one("Namespace", "platform").metadata.labels?.["pod-security.kubernetes.io/enforce"]).toBe(
      "restricted",
    );
  });
});

describe("scaling", () => {
  it("adds an HPA and a PDB exactly when a service can run more than one replica", () => {
    for (const s of nonEmpty(catalog)) {
      const max = s.web.replicas?.max ?? 1;
      expect(!!planned.find("HorizontalPodAutoscaler", s.name), `${s.name} HPA`).toBe(
        max > (s.web.replicas?.min ?? 1),
      );
      expect(!!planned.find("PodDisruptionBudget", s.name), `${s.name} PDB`).toBe(max > 1);
    }
    const pdb = planned.one("PodDisruptionBudget", "content");
    expect(pdb.spec.maxUnavailable).toBe(1);
    const hpa = planned.one("HorizontalPodAutoscaler", "content");
    expect(hpa.spec).toMatchObject({
      minReplicas: 2,
      maxReplicas: 10,
      scaleTargetRef: { kind: "Deployment", name: "content" },
    });
    expect(planned.one("Deployment", "content").spec.replicas).toBeUndefined();
  });

  it("drops HPAs and PDBs when the stack caps replicas at one", async () => {
    const single = await plan({ ...baseConfig(), replicaCap: 1 });
    expect(single.all("HorizontalPodAutoscaler")).toHaveLength(0);
    expect(single.all("PodDisruptionBudget")).toHaveLength(0);
    expect(single.one("Deployment", "content").spec.replicas).toBe(1);
  }, 60_000);

  it("gives a consumer with more than one replica its own PodDisruptionBudget", () => {
    expect(planned.one("PodDisruptionBudget", "media-thumbnailer").spec).toEqual({
      maxUnavailable: 1,
      selector: {
        matchLabels: {
          "app.kubernetes.io/name": "media",
          "app.kubernetes.io/component": "worker",
          "platform.internal/consumer": "thumbnailer",
        },
      },
    });
    expect(planned.find("PodDisruptionBudget", "content-indexer")).toBeUndefined();
  });

  it("runs one Deployment per consumer with its own size and stop timeout", () => {
    const converter = planned.one("Deployment", "conversion-converter");
    expect(converter.spec.template.spec.terminationGracePeriodSeconds).toBe(3600);
    expect(podSpecOf(converter).containers[0].command.slice(0, 4)).toEqual([
      "php",
      "bin/console",
      "messenger:consume",
      "conversion.requests",
    ]);
    expect(podSpecOf(converter).containers[0].resources.requests).toEqual({ cpu: "500m", memory: "1024Mi" });
  });

  it("never lets scheduled jobs overlap", () => {
    for (const cron of nonEmpty(planned.all("CronJob"))) expect(cron.spec.concurrencyPolicy).toBe("Forbid");
    for (const s of nonEmpty(
      catalog.filter((x) => x.scheduledJobs?.length),
      "services with scheduled jobs",
    )) {
      for (const j of s.scheduledJobs ?? []) {
        expect(planned.one("CronJob", `${s.name}-${j.name}`).spec.schedule).toBe(j.schedule);
      }
    }
  });

  it("shuts down gracefully: a pre-stop pause and room for the longest request", () => {
    const pod = planned.one("Deployment", "media").spec.template.spec;
    expect(pod.containers[0].lifecycle.preStop.sleep.seconds).toBeGreaterThan(0);
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(120);
    expect(pod.topologySpreadConstraints.map((t: { topologyKey: string }) => t.topologyKey)).toEqual([
      "topology.kubernetes.io/zone",
      "kubernetes.io/hostname",
    ]);
  });
});

describe("network policies", () => {
  const names = (peer: { podSelector?: { matchExpressions?: Array<{ values: string[] }> } }) =>
    peer.podSelector?.matchExpressions?.[0]?.values ?? [];

  it("match the dependency graph edge for edge", () => {
    const allowedEdges = new Set<string>();
    for (const s of nonEmpty(catalog)) {
      const policy = planned.one("NetworkPolicy", s.name);
      const egressTargets = (
        policy.spec.egress as Array<{
          to: Array<{ podSelector?: { matchExpressions?: Array<{ values: string[] }> } }>;
          ports: Array<{ port: number | string }>;
        }>
      )
        .filter((r) => r.ports.some((p) => p.port === 80))
        .flatMap((r) => r.to.flatMap(names));
      for (const t of egressTargets) allowedEdges.add(`${s.name}->${t}`);
      const callers = (
        policy.spec.ingress as Array<{
          from: Array<{ podSelector?: { matchExpressions?: Array<{ values: string[] }> } }>;
          ports: Array<{ port: string }>;
        }>
      )
        .filter((r) => r.ports.some((p) => p.port === "http"))
        .flatMap((r) => r.from.flatMap(names));
      expect(callers.sort(), `${s.name} callers`).toEqual([...graph.dependents(s.name)].sort());
    }
    expect([...allowedEdges].sort()).toEqual(
      graph
        .edges()
        .map(([a, b]) => `${a}->${b}`)
        .sort(),
    );
  });

  it("admit test runners only when the stack names their namespace", async () => {
    expect(planned.find("NetworkPolicy", "allow-test-clients")).toBeUndefined();
    const withTests = await plan({ ...baseConfig(), testAccess: { namespaces: ["ci-runners"] } });
    expect(withTests.one("NetworkPolicy", "allow-test-clients").spec).toEqual({
      podSelector: {},
      policyTypes: ["Ingress"],
      ingress: [
        { from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "ci-runners" } } }] },
      ],
    });
  }, 60_000);

  it("deny everything by default and allow DNS", () => {
    expect(planned.one("NetworkPolicy", "default-deny").spec).toEqual({
      podSelector: {},
      policyTypes: ["Ingress", "Egress"],
    });
    expect(planned.one("NetworkPolicy", "allow-dns").spec.egress[0].ports).toContainEqual({
      port: 53,
      protocol: "UDP",
    });
  });

  it("admit the gateway only to services with uncached public routes, and the metrics port only to monitoring", () => {
    const fromGateway = (name: string) =>
      planned
        .one("NetworkPolicy", name)
        .spec.ingress.some(
          (r: { from: Array<{ namespaceSelector?: { matchLabels: Record<string, string> } }> }) =>
            r.from.some(
              (p) =>
                p.namespaceSelector?.matchLabels["kubernetes.io/metadata.name"] === "envoy-gateway-system",
            ),
        );
    // Cached routes reach their service through the cache tier (test/http-cache), not from the gateway.
    for (const s of nonEmpty(catalog))
      expect(fromGateway(s.name), s.name).toBe((s.routes ?? []).some((r) => r.cache === undefined));
    const metrics = planned
      .one("NetworkPolicy", "config")
      .spec.ingress.find((r: { ports: Array<{ port: string }> }) => r.ports[0]?.port === "metrics");
    expect(metrics.from).toEqual([
      { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } },
    ]);
  });

  it("let a service reach only the backing services it uses", () => {
    const egressPorts = (name: string) =>
      planned
        .one("NetworkPolicy", name)
        .spec.egress.flatMap((r: { ports: Array<{ port: number }> }) => r.ports.map((p) => p.port));
    for (const s of nonEmpty(catalog)) {
      const ports = egressPorts(s.name);
      expect(ports.includes(80), `${s.name} calls services`).toBe(s.dependsOn.length > 0);
      expect(ports.includes(5432), `${s.name} database`).toBe(s.database !== undefined);
      expect(ports.includes(6379), `${s.name} redis`).toBe(s.redis !== false);
      expect(ports.includes(5672), `${s.name} broker`).toBe(s.messaging !== undefined);
      expect(ports.includes(10000), `${s.name} object store`).toBe((s.buckets ?? []).length > 0);
    }
  });
});

describe("gateway", () => {
  it("routes each public path prefix to its service (cached ones through the cache tier), and nothing else", () => {
    const routed = catalog.filter((s) => s.routes?.length);
    expect(
      planned
        .all("HTTPRoute")
        .map((r) => r.metadata.name)
        .sort(),
    ).toEqual(routed.map((s) => s.name).sort());
    for (const s of nonEmpty(routed)) {
      expect(planned.one("HTTPRoute", s.name).spec.rules).toEqual(
        (s.routes ?? []).map((r) => ({
          matches: [{ path: { type: "PathPrefix", value: r.pathPrefix } }],
          backendRefs: [r.cache ? { name: "http-cache", port: 8080 } : { name: s.name, port: 80 }],
        })),
      );
    }
    expect(planned.one("Gateway", "gateway").spec.gatewayClassName).toBe("envoy-gateway");
  });
});
