import { execFileSync } from "node:child_process";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { loadPackConfig } from "../../policies/runner/config";
import { run } from "../../stacks/rollback/cli";
import { withTag } from "../../stacks/rollback/plan";
import { MIGRATIONS_NOTE } from "../../stacks/rollback/rollback";
import { catalog } from "../helpers/catalog";
import { nonEmpty } from "../helpers/non-empty";
import { FakeRollbackDriver, update } from "./fake-driver";

// `npm run rollback` against an in-memory stack whose outputs are derived from the catalog.

const ROOT = resolve(__dirname, "..", "..");
const REGISTRY = "registry.example.com/platform";

function outputs(tag: string, overrides: Record<string, string> = {}) {
  return {
    services: Object.fromEntries(
      catalog.map((s) => [
        s.name,
        {
          image: `${REGISTRY}/${s.image ?? s.name}:${overrides[s.name] ?? tag}`,
          ...(s.database?.schemaChanges ? { schemaChanges: s.database.schemaChanges } : {}),
        },
      ]),
    ),
  };
}

const breaking = catalog.filter((s) => s.database?.schemaChanges === "breaking").map((s) => s.name);

async function rollback(argv: string[], driver: FakeRollbackDriver) {
  let stdout = "";
  let stderr = "";
  const code = await run(argv, {
    driver: async () => driver,
    io: { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) },
  });
  return { code, stdout, stderr };
}

describe("npm run rollback", () => {
  const history = () => [
    update(5, "2026.11.5"),
    update(4, "2026.11.4", { result: "failed" }),
    update(3, "2026.11.3", { kind: "preview" }),
    update(2, "2026.11.2"),
    update(1, "2026.11.1"),
  ];

  it("returns every service to the previous successful update's images, previewing with the policy pack first", async () => {
    const driver = new FakeRollbackDriver(history(), outputs("2026.11.5"));
    const r = await rollback(["--stack", "prod", "--accept-schema"], driver);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(driver.config["platform:images"]).toEqual({ registry: REGISTRY, tag: "2026.11.2" });
    expect(driver.config["platform:services"]).toEqual({});
    const policies = join(ROOT, "policies");
    expect(driver.calls.filter((c) => /^(preview|up) /.test(c))).toEqual([
      `preview prod ${policies}`,
      `up prod ${policies}`,
    ]);
    // With the stack's pack config, as every deploy runs it (`npm run policy -- config --stack prod`).
    const config = JSON.parse(JSON.stringify(loadPackConfig("prod")));
    expect(driver.packConfigs).toEqual([config, config]);
    for (const s of nonEmpty(catalog))
      expect(r.stdout).toContain(
        `${s.name}: ${REGISTRY}/${s.image ?? s.name}:2026.11.5 → ${REGISTRY}/${s.image ?? s.name}:2026.11.2`,
      );
    expect(r.stdout).toContain(MIGRATIONS_NOTE);
    expect(r.stdout).toContain("update 5");
    expect(r.stdout).toContain("update 2");
  });

  it("goes back --steps successful updates, or to the update that ran --to", async () => {
    const steps = new FakeRollbackDriver(history(), outputs("2026.11.5"));
    expect((await rollback(["--stack", "prod", "--steps", "2", "--accept-schema"], steps)).code).toBe(0);
    expect(steps.config["platform:images"]).toMatchObject({ tag: "2026.11.1" });
    const to = new FakeRollbackDriver(history(), outputs("2026.11.5"));
    expect((await rollback(["--stack", "prod", "--to", "2026.11.1", "--accept-schema"], to)).code).toBe(0);
    expect(to.config["platform:images"]).toMatchObject({ tag: "2026.11.1" });
  });

  it("refuses a tag no earlier successful update ran, and steps beyond the history, touching nothing", async () => {
    for (const argv of [
      ["--to", "2026.11.4"],
      ["--to", "2026.11.3"],
      ["--steps", "3"],
    ]) {
      const driver = new FakeRollbackDriver(history(), outputs("2026.11.5"));
      const r = await rollback(["--stack", "prod", ...argv, "--accept-schema"], driver);
      expect(r.code, argv.join(" ")).toBe(2);
      expect(r.stderr).toMatch(
        /no earlier successful update ran image tag|goes back further than the history/,
      );
      expect(driver.calls.filter((c) => !/^(history|outputs) /.test(c))).toEqual([]);
    }
  });

  it("refuses to cross a schemaChanges: breaking release unless --accept-schema", async () => {
    expect(breaking.length).toBeGreaterThan(0);
    const driver = new FakeRollbackDriver(history(), outputs("2026.11.5"));
    const r = await rollback(["--stack", "prod"], driver);
    expect(r.code).toBe(2);
    for (const name of nonEmpty(breaking)) expect(r.stderr).toContain(name);
    expect(r.stderr).toContain("migrations are not reversed");
    expect(driver.calls.filter((c) => !/^(history|outputs) /.test(c))).toEqual([]);
  });

  it("rolls back only the services whose image differs, honouring per-service tags of the earlier update", async () => {
    const [first] = catalog;
    if (!first) throw new Error("empty catalog");
    const compatible = catalog.filter((s) => !breaking.includes(s.name));
    const one = compatible[0]?.name as string;
    // Now: everything at .5 except breaking services pinned at .2; earlier: the same pins, `one` at .4.
    const pins = Object.fromEntries(breaking.map((b) => [b, "2026.11.2"]));
    const now = update(6, "2026.11.5", {
      services: Object.fromEntries(breaking.map((b) => [b, { imageTag: "2026.11.2" }])),
    });
    const before = update(5, "2026.11.5", {
      services: {
        ...Object.fromEntries(breaking.map((b) => [b, { imageTag: "2026.11.2" }])),
        [one]: { imageTag: "2026.11.4" },
      },
    });
    const driver = new FakeRollbackDriver([now, before], outputs("2026.11.5", pins));
    const r = await rollback(["--stack", "prod"], driver);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const changed = r.stdout.split("\n").filter((l) => l.includes(" → ") && l.startsWith("  "));
    expect(changed).toEqual([`  ${one}: ${REGISTRY}/${one}:2026.11.5 → ${REGISTRY}/${one}:2026.11.4`]);
  });

  it("restores the config and updates nothing when the preview fails or with --dry-run", async () => {
    const failing = new FakeRollbackDriver(history(), outputs("2026.11.5"));
    failing.failPreview = "mandatory policy violated: image-pinned";
    const r = await rollback(["--stack", "prod", "--accept-schema"], failing);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("image-pinned");
    expect(failing.config["platform:images"]).toMatchObject({ tag: "2026.11.5" });
    expect(failing.calls.some((c) => c.startsWith("up "))).toBe(false);

    const dry = new FakeRollbackDriver(history(), outputs("2026.11.5"));
    const d = await rollback(["--stack", "prod", "--accept-schema", "--dry-run"], dry);
    expect(d.code).toBe(0);
    expect(dry.config["platform:images"]).toMatchObject({ tag: "2026.11.5" });
    expect(dry.calls.some((c) => c.startsWith("up "))).toBe(false);
  });

  it("rejects bad command lines with exit code 2", async () => {
    const driver = new FakeRollbackDriver(history(), outputs("2026.11.5"));
    for (const argv of [
      [],
      ["--stack", "prod", "--to", "x", "--steps", "1"],
      ["--stack", "prod", "--steps", "0"],
      ["--stack", "prod", "--bogus"],
    ]) {
      const r = await rollback(argv, driver);
      expect(r.code, argv.join(" ")).toBe(2);
      expect(r.stderr).toContain("usage: npm run rollback");
    }
    expect(driver.calls).toEqual([]);
  });

  it("keeps digests as digests", () => {
    expect(withTag(`${REGISTRY}/content:2026.11.5`, `sha256:${"a".repeat(64)}`)).toBe(
      `${REGISTRY}/content@sha256:${"a".repeat(64)}`,
    );
    expect(withTag(`${REGISTRY}/content@sha256:${"b".repeat(64)}`, "2026.11.2")).toBe(
      `${REGISTRY}/content:2026.11.2`,
    );
  });

  it("`npm run rollback -- --help` prints the usage", () => {
    const out = execFileSync("npm", ["run", "--silent", "rollback", "--", "--help"], {
      cwd: ROOT,
      encoding: "utf8",
    });
    expect(out).toContain("usage: npm run rollback -- --stack <name>");
    expect(out).toContain(MIGRATIONS_NOTE);
  }, 60_000);
});
