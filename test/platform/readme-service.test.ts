import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseDocument } from "yaml";
import { loadCatalog } from "../../infra/catalog/load";
import { CATALOG_DIRECTORY } from "../../infra/catalog/validate";
import { loadPackConfig } from "../../policies/runner/config";
import { runPolicyGate } from "../../tools/plan/policy-gate";
import { harness } from "../ephemeral/helpers";
import { catalog } from "../helpers/catalog";
import { baseConfig, plan } from "../helpers/program";

// README "Adding a service", exactly as printed: its YAML example added both ways (a file of the
// catalog, a spec kept in a service repository), and its commands run as written.

const ROOT = join(__dirname, "..", "..");
const readme = readFileSync(join(ROOT, "README.md"), "utf8");
const section = readme.slice(
  readme.indexOf("## Adding a service"),
  readme.indexOf("\n## ", readme.indexOf("## Adding a service") + 1),
);

function fenced(language: string): string[] {
  return [...section.matchAll(new RegExp(`\`\`\`${language}\\n([\\s\\S]*?)\`\`\``, "g"))].map(
    (m) => m[1] as string,
  );
}

const example = fenced("yaml")[0] as string;
const name = String(parseDocument(example).get("name"));

describe("README: Adding a service", () => {
  it("shows one YAML spec that parses cleanly and names its schema", () => {
    expect(fenced("yaml")).toHaveLength(1);
    const doc = parseDocument(example, { uniqueKeys: true });
    expect(doc.errors).toEqual([]);
    expect(doc.warnings).toEqual([]);
    expect(example.split("\n")[0]).toBe("# yaml-language-server: $schema=../service.schema.json");
    expect(catalog.map((s) => s.name)).not.toContain(name);
  });

  it("way 1: the example as a file of infra/catalog/services plans with the policy pack clean", async () => {
    const directory = mkdtempSync(join(tmpdir(), "catalog-copy-"));
    for (const f of readdirSync(join(ROOT, CATALOG_DIRECTORY)))
      copyFileSync(join(ROOT, CATALOG_DIRECTORY, f), join(directory, f));
    writeFileSync(join(directory, `${name}.yaml`), example);
    const extended = loadCatalog({ directory });
    expect(extended.services.map((s) => s.name)).toEqual([...catalog.map((s) => s.name), name].sort());
    const planned = await plan(baseConfig(), { catalog: extended.services });
    expect(planned.run.error).toBeUndefined();
    expect(planned.one("Deployment", name)).toBeDefined();
    const report = runPolicyGate(planned.resources, loadPackConfig("local"), { "platform:stack": "local" });
    expect(report.violations.filter((v) => v.enforcementLevel === "mandatory")).toEqual([]);
  }, 120_000);

  it("way 2: the commands run as written with the example kept in a service repository", async () => {
    const [planLine, ephemeralLine] = (fenced("sh")[0] ?? "").trim().split("\n");
    const serviceRepo = mkdtempSync(join(tmpdir(), "service-repo-"));
    mkdirSync(join(serviceRepo, "platform"));
    writeFileSync(join(serviceRepo, "platform", `${name}.yaml`), example);
    const env = {
      ...process.env,
      SERVICE_REPO: serviceRepo,
      CI_PIPELINE_ID: "31337",
      PLATFORM_IMAGE_TAG: "v2026.11.3",
      CI_COMMIT_SHA: "0123456789abcdef0123456789abcdef01234567",
    };

    const out = spawnSync("sh", ["-c", planLine as string], { cwd: ROOT, encoding: "utf8", env });
    expect(out.stderr).not.toMatch(/plan: /);
    expect(out.status).toBe(0);
    expect(out.stdout).toContain(`services: ${catalog.length + 1} (`);
    expect(out.stdout).toMatch(/policies: \d+ run, 0 mandatory/);

    // The ephemeral line through the real CLI code on the in-memory backend: its words after the
    // shell has expanded them.
    const echoed = spawnSync(
      "sh",
      ["-c", `printf '%s\\n' ${(ephemeralLine ?? "").replace(/^npm run ephemeral -- /, "")}`],
      { encoding: "utf8", env },
    );
    const argv = echoed.stdout.trim().split("\n");
    const h = harness({ env: {} });
    expect(await h.run(...argv)).toBe(0);
    expect(h.stderr()).toBe("");
    const stack = h.driver.stacks.get("ci-31337");
    expect(Object.keys((stack?.outputs.services?.value as object) ?? {})).toContain(name);
    expect(stack?.config["platform:services"]).toEqual({ [name]: { imageTag: env.CI_COMMIT_SHA } });
  }, 120_000);
});
