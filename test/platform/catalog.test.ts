import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PlatformInputError } from "../../components/errors/input-error";
import type { ServiceSpec } from "../../components/service/spec";
import { ServiceGraph } from "../../infra/catalog/graph";
import { CATALOG_DIRECTORY, validateCatalog } from "../../infra/catalog/validate";
import { catalog } from "../helpers/catalog";
import { nonEmpty } from "../helpers/non-empty";
import { baseConfig, plan } from "../helpers/program";

const ROOT = join(__dirname, "..", "..");

const entry = (overrides: Partial<ServiceSpec> & { name: string }): ServiceSpec => ({
  description: "test service",
  dependsOn: [],
  readinessPath: "/health/ready",
  web: { size: "small" },
  ...overrides,
});

function problemOf(services: ServiceSpec[]): string {
  try {
    validateCatalog(services);
  } catch (error) {
    expect(error).toBeInstanceOf(PlatformInputError);
    return (error as PlatformInputError).message;
  }
  throw new Error("the catalog was accepted");
}

describe("the platform catalog", () => {
  it("is one valid spec per file of infra/catalog/services, named after the file", () => {
    const files = readdirSync(join(ROOT, CATALOG_DIRECTORY)).filter((f) => f.endsWith(".yaml"));
    expect(files.length).toBeGreaterThan(0);
    expect(catalog.map((s) => `${s.name}.yaml`).sort()).toEqual(files.sort());
    expect(() => validateCatalog(catalog)).not.toThrow();
  });

  it("names its schema on the first line of every file, for editors", () => {
    for (const s of nonEmpty(catalog)) {
      const text = readFileSync(join(ROOT, CATALOG_DIRECTORY, `${s.name}.yaml`), "utf8");
      expect(text.split("\n")[0]).toBe("# yaml-language-server: $schema=../service.schema.json");
    }
  });

  it("derives dependents as the inverse of dependsOn", () => {
    const graph = new ServiceGraph(catalog);
    nonEmpty(
      catalog.flatMap((s) => s.dependsOn),
      "dependencies between services",
    );
    for (const s of nonEmpty(catalog)) {
      for (const d of s.dependsOn) expect(graph.dependents(d)).toContain(s.name);
      for (const caller of graph.dependents(s.name)) expect(graph.dependencies(caller)).toContain(s.name);
    }
  });

  it("selects a subgraph: each service plus its transitive dependencies, and nothing else", () => {
    const graph = new ServiceGraph(catalog);
    for (const s of nonEmpty(catalog)) {
      const closure = graph.closure([s.name]);
      expect(closure).toContain(s.name);
      for (const member of nonEmpty(closure)) {
        for (const d of graph.dependencies(member)) expect(closure).toContain(d);
      }
      const sub = graph.subgraph(closure);
      expect(sub.names().sort()).toEqual([...closure].sort());
      expect(sub.dependencies(s.name)).toEqual(s.dependsOn);
      for (const other of nonEmpty(catalog)) {
        if (!closure.includes(other.name)) expect(sub.has(other.name)).toBe(false);
      }
    }
  });

  it("renders every edge and every public route in the Mermaid graph", () => {
    const graph = new ServiceGraph(catalog);
    const mermaid = graph.toMermaid();
    for (const [from, to] of nonEmpty(graph.edges())) expect(mermaid).toContain(`  ${from} --> ${to}\n`);
    for (const s of nonEmpty(
      catalog.filter((x) => x.routes?.length),
      "services with routes",
    )) {
      for (const r of s.routes ?? []) expect(mermaid).toContain(`gateway -- "${r.pathPrefix}" --> ${s.name}`);
    }
  });
});

describe("catalog validation", () => {
  const cases: Array<[string, ServiceSpec[], RegExp]> = [
    [
      "unknown dependency with a suggestion",
      [entry({ name: "content" }), entry({ name: "pilot", dependsOn: ["contnet"] })],
      /^infra\/catalog\/services\/pilot\.yaml: dependsOn\[0\]: unknown service "contnet"\n {2}fix: did you mean "content"\?/,
    ],
    [
      "duplicate name",
      [entry({ name: "media" }), entry({ name: "media" })],
      /media\.yaml: name: "media" is declared twice/,
    ],
    ["name that is not DNS-1035", [entry({ name: "1media" })], /"1media" is not a DNS-1035 label/],
    ["upper-case name", [entry({ name: "Media" })], /"Media" is not a DNS-1035 label/],
    ["name too long for derived object names", [entry({ name: "a".repeat(31) })], /at most 30 characters/],
    ["reserved name", [entry({ name: "redis" })], /"redis" is reserved for a platform component/],
    [
      "self dependency",
      [entry({ name: "media", dependsOn: ["media"] })],
      /a service cannot depend on itself/,
    ],
    [
      "dependency listed twice",
      [entry({ name: "config" }), entry({ name: "media", dependsOn: ["config", "config"] })],
      /"config" is listed twice/,
    ],
    [
      "cycle",
      [
        entry({ name: "a", dependsOn: ["b"] }),
        entry({ name: "b", dependsOn: ["c"] }),
        entry({ name: "c", dependsOn: ["a"] }),
      ],
      /dependency cycle a -> b -> c -> a\n {2}fix: remove one of these edges, or, if the mutual call is intended, declare it in acceptedCycles/,
    ],
    [
      "readiness that proves nothing",
      [entry({ name: "media", readinessPath: "/metrics" })],
      /"\/metrics" does not prove that the app can serve/,
    ],
    [
      "relative readiness path",
      [entry({ name: "media", readinessPath: "health" })],
      /readinessPath: is not an absolute URL path: .*"health"/,
    ],
    [
      "replicated service without Redis",
      [entry({ name: "media", redis: false, web: { size: "small", replicas: { min: 1, max: 3 } } })],
      /no shared Redis for cache, sessions and locks/,
    ],
    [
      "PHP memory above the container limit",
      [entry({ name: "media", php: { memoryLimitMiB: 300 } })],
      /PHP may use 300 MiB per request but the container is limited to 256 MiB/,
    ],
    [
      "replica range inverted",
      [entry({ name: "media", web: { size: "small", replicas: { min: 3, max: 2 } } })],
      /: web\.replicas\.max: 2 is below min \(3\)/,
    ],
    [
      "route claimed twice",
      [
        entry({ name: "a", routes: [{ pathPrefix: "/x" }] }),
        entry({ name: "b", routes: [{ pathPrefix: "/x" }] }),
      ],
      /"\/x" is already routed to "a"/,
    ],
    [
      "bucket name Blob Storage rejects",
      [entry({ name: "media", buckets: [{ name: "Originals", purpose: "x" }] })],
      /container name "media-Originals", which Blob Storage rejects/,
    ],
    [
      "consumer of an undeclared queue",
      [
        entry({
          name: "media",
          messaging: { exchanges: [], queues: [], consumers: [{ name: "thumbs", queues: ["missing"] }] },
        }),
      ],
      /queue "missing" is not declared by this service/,
    ],
    [
      "binding to an undeclared exchange",
      [
        entry({
          name: "media",
          messaging: {
            exchanges: [],
            queues: [{ name: "q", bindings: [{ exchange: "nope", routingKey: "#" }] }],
            consumers: [],
          },
        }),
      ],
      /binds to undeclared exchange "nope"/,
    ],
    [
      "cron expression with six fields",
      [
        entry({
          name: "sitemap",
          scheduledJobs: [{ name: "gen", schedule: "0 0 * * * *", command: ["app:sitemap:generate"] }],
        }),
      ],
      /scheduledJobs\[0\]\.schedule: "0 0 \* \* \* \*" has 6 fields, not five/,
    ],
    [
      "scheduled job that is not a console command",
      [
        entry({
          name: "sitemap",
          scheduledJobs: [{ name: "gen", schedule: "0 * * * *", command: ["rm -rf /"] }],
        }),
      ],
      /must be a Symfony console command/,
    ],
    [
      "accepted cycle without a reason",
      [
        entry({ name: "a", dependsOn: ["b"], acceptedCycles: [{ with: "b", reason: "" }] }),
        entry({ name: "b", dependsOn: ["a"] }),
      ],
      /an accepted cycle needs a reason/,
    ],
  ];

  it.each(cases)("rejects a %s with a message naming the entry and the fix", (_label, services, message) => {
    const text = problemOf(services);
    expect(text).toMatch(message);
    expect(text).toMatch(/^infra\/catalog\/services\/[^/]+\.yaml: /);
    expect(text).toContain("\n  fix: ");
  });

  it("accepts a cycle declared on purpose", () => {
    expect(() =>
      validateCatalog([
        entry({
          name: "a",
          dependsOn: ["b"],
          acceptedCycles: [{ with: "b", reason: "b calls a back when an export completes" }],
        }),
        entry({ name: "b", dependsOn: ["a"] }),
      ]),
    ).not.toThrow();
  });

  it("registers no resource when the catalog is invalid", async () => {
    const planned = await plan(baseConfig(), { catalog: [entry({ name: "pilot", dependsOn: ["ghost"] })] });
    expect(planned.run.error?.message).toMatch(/unknown service "ghost"/);
    expect(planned.resources).toHaveLength(0);
  });
});
