import { describe, expect, it } from "vitest";
import { loadCatalog } from "../../../infra/catalog/load";
import { rollbackImages, rollbackService } from "./rollback-step";

// The rollback step deploys one catalog service on the real node, which has PostgreSQL, Redis and
// the contract app only: the choice follows the catalog, and both releases are distinct images.

describe("the rollback step's service", () => {
  const catalog = loadCatalog().services;

  it("is a catalog service that needs nothing the real node lacks", () => {
    const s = rollbackService(catalog);
    expect(catalog.map((c) => c.name)).toContain(s.name);
    expect(s.dependsOn).toEqual([]);
    expect(s.buckets ?? []).toEqual([]);
    expect(s.messaging).toBeUndefined();
    expect(s.scheduledJobs ?? []).toEqual([]);
  });

  it("is refused when no service fits", () => {
    const s = rollbackService(catalog);
    expect(() => rollbackService([{ ...s, dependsOn: ["other"] }])).toThrow(/no catalog service/);
  });

  it("has a good and a broken image of that service under the same repository", () => {
    const s = rollbackService(catalog);
    const { good, broken } = rollbackImages(s);
    expect(good).toHaveLength(1);
    expect(broken).toHaveLength(1);
    const repo = (ref: string) => ref.replace(/:[^:/]+$/, "");
    expect(repo(broken[0]?.name ?? "")).toBe(repo(good[0] ?? ""));
    expect(broken[0]?.name).not.toBe(good[0]);
    expect(repo(good[0] ?? "")).toMatch(new RegExp(`/${s.image ?? s.name}$`));
  });
});
