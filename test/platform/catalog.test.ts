import { describe, expect, it } from "vitest";
import { ServiceGraph } from "../../infra/catalog/graph";
import { catalog } from "../../infra/catalog/services";
import type { ServiceSpec } from "../../infra/catalog/types";
import { validateCatalog } from "../../infra/catalog/validate";
import { PlatformInputError } from "../../infra/errors";
import { baseConfig, plan } from "../helpers/program";

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
  it("is valid and has the thirteen services of the field notes, plus the Laravel example", () => {
    expect(() => validateCatalog(catalog)).not.toThrow();
    expect(catalog.filter((s) => s.framework === "laravel").map((s) => s.name)).toEqual(["invoicing"]);
    expect(catalog.map((s) => s.name).sort()).toEqual(
      [
        "invoicing",
        "authentication",
        "bam",
        "config",
        "content",
        "conversion",
        "media",
        "notification",
        "pilot",
        "product",
        "search",
        "shorty",
        "sitemap",
        "social",
      ].sort(),
    );
  });

  it("gives pilot its ten dependencies and content its four", () => {
    const graph = new ServiceGraph(catalog);
    expect(graph.dependencies("pilot")).toHaveLength(10);
    expect([...graph.dependencies("content")].sort()).toEqual(["config", "conversion", "media", "shorty"]);
    expect(graph.dependents("config")).toContain("content");
  });

  it("gives media buckets for originals and thumbnails", () => {
    const media = catalog.find((s) => s.name === "media");
    expect(media?.buckets?.map((b) => b.name)).toEqual(["originals", "thumbnails"]);
  });

  it("selects a subgraph: the named services plus their transitive dependencies", () => {
    const graph = new ServiceGraph(catalog);
    expect(graph.closure(["content"]).sort()).toEqual(["config", "content", "conversion", "media", "shorty"]);
    const sub = graph.subgraph(graph.closure(["social"]));
    expect(sub.names()).not.toContain("pilot");
    expect(sub.dependencies("social")).toEqual(["content", "shorty"]);
  });

  it("renders every edge in the Mermaid graph", () => {
    const graph = new ServiceGraph(catalog);
    const mermaid = graph.toMermaid();
    for (const [from, to] of graph.edges()) expect(mermaid).toContain(`  ${from} --> ${to}\n`);
    expect(mermaid).toContain('gateway -- "/pilot" --> pilot');
  });
});

describe("catalog validation", () => {
  const cases: Array<[string, ServiceSpec[], RegExp]> = [
    [
      "unknown dependency with a suggestion",
      [entry({ name: "content" }), entry({ name: "pilot", dependsOn: ["contnet"] })],
      /catalog entry "pilot".dependsOn\[0\]: unknown service "contnet"\n {2}fix: did you mean "content"\?/,
    ],
    [
      "duplicate name",
      [entry({ name: "media" }), entry({ name: "media" })],
      /catalog entry "media".name: "media" is declared twice/,
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
      /"health" is not an absolute path/,
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
      /\.web\.replicas\.max: 2 is out of range/,
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
      /is not a five-field cron expression/,
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
    expect(text).toContain("infra/catalog/services.ts: ");
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

  it("takes a fourteenth service as one new entry", async () => {
    const fourteenth = entry({
      name: "newsletter",
      dependsOn: ["content", "notification"],
      database: {},
      routes: [{ pathPrefix: "/newsletter" }],
    });
    const planned = await plan(baseConfig(), { catalog: [...catalog, fourteenth] });
    expect(planned.run.error).toBeUndefined();
    expect(planned.one("Deployment", "newsletter")).toBeDefined();
    expect(planned.one("HTTPRoute", "newsletter").spec.rules[0].matches[0].path.value).toBe("/newsletter");
    expect(planned.environment("Deployment", "newsletter").APP__CONTENT__HOST).toBe(
      "content.platform.svc.cluster.local",
    );
    expect(planned.all("Job").some((j) => j.metadata.name.startsWith("newsletter-migrate-"))).toBe(true);
  });
});
