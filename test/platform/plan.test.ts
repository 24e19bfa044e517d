import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { ServiceGraph } from "../../infra/catalog/graph";
import { parseKubernetesYaml } from "../../policies/runner/kubernetes-yaml";
import { CI_REPORTS } from "../../tools/plan/policy-gate";
import { isSecretWrapper } from "../../tools/plan/redact";
import { runProgram } from "../../tools/plan/run";
import { readStackFile } from "../../tools/plan/stack-file";
import { catalog } from "../helpers/catalog";
import { validateAgainstSchema } from "../helpers/manifest-schema";
import { nonEmpty } from "../helpers/non-empty";

// The main job end to end: `npm run plan` as a user runs it, and what it writes.

const ROOT = join(__dirname, "..", "..");
const TSX = join(ROOT, "node_modules", ".bin", "tsx");

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const path = join(dir, f);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

/** Every string inside a value. */
function strings(value: unknown, found: string[]): void {
  if (typeof value === "string") found.push(value);
  else if (value && typeof value === "object") for (const v of Object.values(value)) strings(v, found);
}

/** Every string that sits inside a Pulumi secret. */
function secretsIn(value: unknown, found: string[] = []): string[] {
  if (isSecretWrapper(value)) strings(value.value, found);
  else if (value && typeof value === "object") for (const v of Object.values(value)) secretsIn(v, found);
  return found;
}

describe("npm run plan (local stack)", () => {
  let out: string;
  let stdout: string;

  beforeAll(() => {
    out = mkdtempSync(join(tmpdir(), "plan-"));
    stdout = execFileSync(TSX, ["tools/plan.ts", "--stack", "local", "--out", out], {
      cwd: ROOT,
      encoding: "utf8",
    });
  }, 120_000);

  it("prints a summary of services and resources by type", () => {
    expect(stdout).toMatch(
      /plan of stack local \(in-cluster profile, local environment, namespace platform\)/,
    );
    expect(stdout).toContain(`services: ${catalog.length} (${catalog.map((s) => s.name).join(", ")})`);
    expect(stdout).toMatch(/\d+ +kubernetes:apps\/v1:Deployment/);
    expect(stdout).toMatch(/policies: \d+ run, 0 mandatory/);
  });

  it("writes manifests, resources.json, outputs.json, graph.mmd and the policy report", () => {
    const dir = join(out, "local");
    for (const f of ["resources.json", "outputs.json", "graph.mmd", "policy-report.json"])
      expect(statSync(join(dir, f)).size).toBeGreaterThan(10);
    // The CI formats of the same report (validated against their schemas in test/policies).
    const report = JSON.parse(readFileSync(join(dir, "policy-report.json"), "utf8")) as {
      violations: unknown[];
    };
    const sarif = JSON.parse(readFileSync(join(dir, CI_REPORTS.sarif), "utf8"));
    expect(sarif.version).toBe("2.1.0");
    expect(sarif.runs[0].results).toHaveLength(report.violations.length);
    const quality = JSON.parse(readFileSync(join(dir, CI_REPORTS["gitlab-codequality"]), "utf8")) as Array<{
      location: { path: string };
    }>;
    expect(quality).toHaveLength(report.violations.length);
    for (const q of quality) expect(q.location.path).toBe("stacks/Pulumi.local.yaml");
    expect(readFileSync(join(dir, CI_REPORTS.junit), "utf8")).toMatch(
      /<testsuites name="platform-policies" tests="\d+" failures="0"/,
    );
    const manifests = files(join(dir, "manifests"));
    expect(manifests.length).toBeGreaterThan(100);
    const resources = JSON.parse(readFileSync(join(dir, "resources.json"), "utf8")) as Array<{
      type: string;
      parent?: string;
      inputs: unknown;
    }>;
    expect(resources.find((r) => r.type === "platform:service:PhpService")).toBeDefined();
    expect(
      nonEmpty(resources.filter((r) => r.type === "kubernetes:apps/v1:Deployment")).every((r) => r.parent),
    ).toBe(true);
  });

  it("writes one object per manifest file, each valid against the Kubernetes OpenAPI schema", async () => {
    const manifests = files(join(out, "local", "manifests"));
    const unvalidated = new Set<string>();
    const errors: string[] = [];
    for (const file of nonEmpty(manifests)) {
      const docs = parseAllDocuments(readFileSync(file, "utf8"));
      expect(docs, file).toHaveLength(1);
      const object = docs[0]?.toJS() as { apiVersion: string; kind: string };
      const result = await validateAgainstSchema(object);
      if (!result.validated) unvalidated.add(object.kind);
      if (result.error) errors.push(`${file}: ${result.error}`);
    }
    expect(errors).toEqual([]);
    expect([...unvalidated]).toEqual([]);
  }, 120_000);

  it("writes manifests kubectl reads as written (YAML 1.1: no unquoted yes/no/on/off)", () => {
    // kubectl and Helm decode with go-yaml v2: re-read every manifest that way and compare with what
    // the plan meant (the YAML 1.2 reading of the same text).
    const manifests = files(join(out, "local", "manifests"));
    const differing: string[] = [];
    for (const file of manifests) {
      const text = readFileSync(file, "utf8");
      const meant = parseAllDocuments(text).map((d) => d.toJS());
      const asKubectl = parseKubernetesYaml(text, file).map((o) => o.object);
      if (JSON.stringify(asKubectl) !== JSON.stringify(meant)) differing.push(file);
    }
    expect(differing).toEqual([]);
  });

  it("writes the dependency graph with every declared edge", () => {
    const mermaid = readFileSync(join(out, "local", "graph.mmd"), "utf8");
    for (const [from, to] of nonEmpty(new ServiceGraph(catalog).edges()))
      expect(mermaid).toContain(`${from} --> ${to}`);
  });

  it("never writes a secret value in plain text", async () => {
    const file = readStackFile(ROOT, "local");
    const run = await runProgram({ stack: "local", config: file.config, secretKeys: file.secretKeys });
    const secrets = new Set(
      [...run.resources.flatMap((r) => secretsIn(r.state)), ...secretsIn(run.outputs)].filter(
        (s) => s.length >= 8,
      ),
    );
    expect(secrets.size).toBeGreaterThan(20);
    for (const path of nonEmpty(files(join(out, "local")))) {
      const text = readFileSync(path, "utf8");
      for (const secret of nonEmpty(secrets)) {
        // Multi-line secrets (ACL files, definitions) are checked line by line.
        for (const line of secret.split("\n").filter((l) => l.length >= 8 && /[0-9a-f]{8}/.test(l))) {
          expect(text.includes(line), `${path} leaks a secret`).toBe(false);
        }
      }
    }
  }, 120_000);

  it("exports namespace, service URLs, routes, endpoints, and credentials only as a secret", async () => {
    const outputs = JSON.parse(readFileSync(join(out, "local", "outputs.json"), "utf8"));
    expect(outputs.namespace).toBe("platform");
    expect(outputs.services.content).toEqual({
      url: "http://content.platform.svc.cluster.local:80",
      image: "registry.localhost:5000/platform/content:2026.11.3",
      routes: ["/api/content"],
      schemaChanges: "compatible",
    });
    expect(outputs.gatewayUrl).toBe("http://platform.localtest.me");
    expect(outputs.endpoints.postgres).toBe("postgres.platform.svc.cluster.local:5432");
    expect(outputs.credentials).toBe("[secret]");
  });
});

describe("the schema check itself", () => {
  it("rejects an object that breaks its schema", async () => {
    const result = await validateAgainstSchema({
      apiVersion: "apps/v1",
      kind: "Deployment",
      spec: { replicas: "two" },
    } as never);
    expect(result.validated).toBe(true);
    expect(result.error).toMatch(/replicas/);
  });
});

describe("plan exit codes", () => {
  it("exits 2 with a clear message for a stack that does not exist", () => {
    const result = spawnSync(TSX, ["tools/plan.ts", "--stack", "nope"], { cwd: ROOT, encoding: "utf8" });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("stacks/Pulumi.nope.yaml: does not exist");
  }, 60_000);

  it("exits 2 on an unknown option", () => {
    const result = spawnSync(TSX, ["tools/plan.ts", "--stak", "local"], { cwd: ROOT, encoding: "utf8" });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/Unknown option '--stak'/);
  }, 60_000);
});
