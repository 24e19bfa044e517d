// `npm run policy -- check`: exit codes 0/1/2, the JSON contract, the text summary, stdin,
// directories, stack tags, config errors; and the YAML loader (type tokens, Lists, errors).

import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { policies } from "../../policies/checks";
import { analyze } from "../../policies/runner/analyze";
import {
  InputError,
  loadKubernetesObjects,
  loadKubernetesResources,
  parseKubernetesYaml,
  toAnalyzedResource,
} from "../../policies/runner/kubernetes-yaml";
import { FORMATS, formatReport } from "../../policies/runner/report-formats";
import { loadSchemasOf, SCHEMA_RULE, schemaViolation } from "../../policies/runner/schema-findings";
import { generatedObjects } from "../../tools/bench/generated-objects";
import { nonEmpty } from "../helpers/non-empty";
import { plannedManifestsFile } from "../helpers/planned-manifests";
import { policyCli as cli } from "./policy-cli";

const ROOT = resolve(__dirname, "..", "..");
const FIXTURES = join(__dirname, "fixtures");
const DEFAULT_CONFIG = join(ROOT, "policies", "config", "default.json");
const SECRETS = join(FIXTURES, "no-plaintext-secrets", "failure.env-password.yaml");

/** The local stack's manifests as `npm run plan` renders them: our own defaults, which must pass. */
let planned: { file: string; objects: number };
beforeAll(async () => {
  planned = await plannedManifestsFile("local");
}, 120_000);

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "policy-cli-"));
}

describe("exit codes", () => {
  it("exits 0 on the planned local stack with the platform config", async () => {
    const r = await cli(["check", planned.file, "--config", DEFAULT_CONFIG]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toContain(`OK: 0 mandatory, 0 advisory; 0 of ${planned.objects} resources affected`);
    expect(r.code).toBe(0);
  });

  it("exits 0 when only advisories remain", async () => {
    const dir = tempDir();
    const file = join(dir, "advisory.yaml");
    writeFileSync(
      file,
      `apiVersion: apps/v1
kind: Deployment
metadata: {name: tools, namespace: ops}
spec:
  progressDeadlineSeconds: 600
  selector: {matchLabels: {app: tools}}
  template:
    metadata: {labels: {app: tools}}
    spec:
      securityContext: {runAsNonRoot: true, runAsUser: 1000, seccompProfile: {type: RuntimeDefault}}
      containers:
        - name: tools
          image: registry.example.com/tools:2.1.0
          resources: {requests: {cpu: 10m, memory: 32Mi}, limits: {memory: 64Mi}}
          securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny, namespace: ops}
spec: {podSelector: {}, policyTypes: [Ingress, Egress]}
`,
    );
    const r = await cli(["check", file]);
    expect(r.stdout).toContain("advisory  readonly-root-fs: Deployment ops/tools");
    expect(r.stdout).toMatch(/^OK: 0 mandatory, 1 advisory/m);
    expect(r.code).toBe(0);
  });

  it("exits 1 on a mandatory violation and groups the text report by resource", async () => {
    const r = await cli(["check", SECRETS]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^Deployment shop\/grafana-proxy$/m);
    expect(r.stdout).toMatch(
      /^ {2}MANDATORY no-plaintext-secrets: Deployment shop\/grafana-proxy, container "web": env\[1\] GF_SECURITY_ADMIN_PASSWORD/m,
    );
    expect(r.stdout).toMatch(/^FAIL: \d+ mandatory, \d+ advisory; 1 of 1 resource affected/m);
    expect(r.stdout).not.toContain("admin123");
  });

  it("counts two documents that define the same object as two affected resources", async () => {
    const file = join(FIXTURES, "unique-object-names", "failure.two-documents.yaml");
    const r = await cli(["check", file]);
    expect(r.code).toBe(1);
    const headers = r.stdout.split("\n").filter((l) => /^Deployment /.test(l));
    expect(headers).toHaveLength(2);
    expect(headers[0]).toBe(headers[1]);
    expect(r.stdout).toMatch(/^FAIL: \d+ mandatory, \d+ advisory; 2 of 2 resources affected/m);
  });

  it("exits 2 on a missing file, naming it", async () => {
    const r = await cli(["check", "/nonexistent/manifests.yaml"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("error: /nonexistent/manifests.yaml: cannot read: ENOENT\n");
  });

  it("exits 2 on unreadable YAML with the file, the document index and the reason", async () => {
    const dir = tempDir();
    const file = join(dir, "broken.yaml");
    writeFileSync(file, "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\nkind: [unclosed\n");
    const r = await cli(["check", file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      new RegExp(`^error: ${file.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}: document 2: invalid YAML: `),
    );
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
  });

  it("counts documents the same when the file opens with a separator", async () => {
    const file = join(tempDir(), "broken-leading.yaml");
    writeFileSync(
      file,
      "# rendered\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\nkind: [unclosed\n",
    );
    const r = await cli(["check", file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(": document 2: invalid YAML: ");
  });

  it("exits 2 on a document that is not a Kubernetes object", async () => {
    const r = await cli(["check", "-"], "apiVersion: v1\nmetadata: {name: x}\n");
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('error: <stdin>: document 1: missing "kind"\n');
  });

  it("exits 2 on bad usage and on an invalid pack config", async () => {
    expect((await cli([])).code).toBe(2);
    expect((await cli(["check"])).stderr).toContain("error: check needs a file, a directory or - (stdin)");
    expect((await cli(["check", SECRETS, "--format", "xml"])).stderr).toContain(
      '--format must be one of text, json, sarif, junit, gitlab-codequality, not "xml"',
    );
    expect((await cli(["check", SECRETS, "--frobnicate"])).code).toBe(2);
    expect((await cli(["lint", SECRETS])).code).toBe(2);
    const dir = tempDir();
    const config = join(dir, "config.json");
    writeFileSync(
      config,
      JSON.stringify({ "no-host-paths": { exemptions: [{ kind: "DaemonSet", name: "x" }] } }),
    );
    const r = await cli(["check", SECRETS, "--config", config]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("no-host-paths: exemptions.0: justification is required");
  });
});

describe("config", () => {
  it("prints the merged pack config of a stack, ready for --policy-pack-config", async () => {
    const r = await cli(["config", "--stack", "prod"]);
    expect(r.code).toBe(0);
    const config = JSON.parse(r.stdout) as Record<string, { exemptions?: Array<{ container?: string }> }>;
    expect(config["no-host-paths"]?.exemptions?.map((e) => e.container)).toEqual(["alloy", "promtail"]);
    expect(config["deploy-window"]).toMatchObject({
      timeZone: "Europe/Paris",
      days: ["mon", "tue", "wed", "thu"],
    });
  });

  it("rejects an invalid stack name", async () => {
    expect((await cli(["config", "--stack", "../etc"])).code).toBe(2);
  });
});

describe("--format json", () => {
  it("prints exactly one object with the violations contract", async () => {
    const r = await cli(["check", SECRETS, "--format", "json"]);
    expect(r.code).toBe(1);
    const parsed: unknown = JSON.parse(r.stdout);
    expect(Object.keys(parsed as object)).toEqual(["violations"]);
    const { violations } = parsed as { violations: Array<Record<string, unknown>> };
    expect(violations.length).toBeGreaterThan(0);
    for (const v of nonEmpty(violations)) {
      expect(Object.keys(v)).toEqual(["policy", "enforcementLevel", "resource", "message"]);
      expect(["mandatory", "advisory"]).toContain(v.enforcementLevel);
    }
    expect(violations).toContainEqual({
      policy: "no-plaintext-secrets",
      enforcementLevel: "mandatory",
      resource: { kind: "Deployment", name: "grafana-proxy", namespace: "shop" },
      message: expect.stringContaining("GF_SECURITY_ADMIN_PASSWORD holds a literal credential"),
    });
  });

  it("prints an empty list when clean", async () => {
    const r = await cli(["check", planned.file, "--config", DEFAULT_CONFIG, "--format", "json"]);
    expect(JSON.parse(r.stdout)).toEqual({ violations: [] });
  });
});

describe("inputs", () => {
  it("reads stdin with -", async () => {
    const yaml =
      "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: env, namespace: shop}\ndata: {API_TOKEN: abcdef0123456789}\n";
    const r = await cli(["check", "-", "--format", "json"], yaml);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).violations[0].resource).toEqual({
      kind: "ConfigMap",
      name: "env",
      namespace: "shop",
    });
  });

  it("reads directories recursively (.yaml and .yml only)", async () => {
    const dir = tempDir();
    mkdirSync(join(dir, "nested", "deeper"), { recursive: true });
    writeFileSync(join(dir, "a.yaml"), "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n");
    writeFileSync(
      join(dir, "nested", "deeper", "b.yml"),
      "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\ndata: {DB_PASSWORD: s3cr3t-value}\n",
    );
    writeFileSync(join(dir, "nested", "notes.txt"), "not: [yaml");
    const resources = loadKubernetesResources([dir]);
    expect(resources.map((r) => r.type)).toEqual([
      "kubernetes:core/v1:Namespace",
      "kubernetes:core/v1:ConfigMap",
    ]);
    const r = await cli(["check", dir]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("ConfigMap default/b");
  });

  it("passes --stack-tag to the policies", async () => {
    const dir = tempDir();
    const file = join(dir, "ns.yaml");
    writeFileSync(file, "apiVersion: v1\nkind: Namespace\nmetadata: {name: review-42}\n");
    expect((await cli(["check", file])).code).toBe(0);
    const r = await cli(["check", file, "--stack-tag", "platform:ephemeral=true", "--format", "json"]);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).violations.map((v: { policy: string }) => v.policy)).toEqual([
      "ephemeral-stack-hygiene",
    ]);
  });

  it("runs as a real process with the documented exit code and JSON on stdout", async () => {
    const tsx = join(ROOT, "node_modules", "tsx", "dist", "cli.mjs");
    const p = spawnSync(
      process.execPath,
      [tsx, join(ROOT, "policies", "cli.ts"), "check", SECRETS, "--format", "json"],
      {
        cwd: ROOT,
        encoding: "utf8",
        timeout: 60_000,
      },
    );
    expect(p.status).toBe(1);
    expect(JSON.parse(p.stdout).violations.length).toBeGreaterThan(0);
  });
});

describe("checking objects as they are read", () => {
  // The CLI checks each batch of objects as it is parsed and keeps only what stack policies read:
  // its reports must be what checking every object at once, every field kept, gives.
  // deploy-window reads the clock: both sides must see the same minute.
  beforeAll(() => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date("2026-12-02T10:30:00Z"));
  });
  afterAll(() => {
    vi.useRealTimers();
  });

  it("reports what the whole input checked at once reports, in every format", async () => {
    const dir = tempDir();
    const file = join(dir, "generated.yaml");
    writeFileSync(
      file,
      `${generatedObjects(1_500)}---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: bad, namespace: team-1}\nspec: {replicas: two}\n`,
    );
    const stackTags = { "platform:environment": "prod" };
    const objects = loadKubernetesObjects([file]);
    await loadSchemasOf(objects);
    const schema = objects.map(schemaViolation).filter((v) => v !== undefined);
    expect(schema.length).toBeGreaterThan(0);
    const analyzed = analyze(
      objects.map((o) => o.resource),
      { stackTags, fullStackView: true },
    );
    const report = { ...analyzed, violations: [...schema, ...analyzed.violations] };
    const locations = new Map(objects.map((o) => [o.resource.urn, o]));
    const rules = [
      SCHEMA_RULE,
      ...policies.map(({ name, description, enforcementLevel }) => ({ name, description, enforcementLevel })),
    ];
    for (const format of FORMATS) {
      const r = await cli(["check", file, "--format", format, "--stack-tag", "platform:environment=prod"]);
      expect(r.code).toBe(1);
      const expected = formatReport(format, {
        report,
        rules,
        locate: (urn) => {
          const o = locations.get(urn);
          return o && { file: o.source, line: o.line, document: o.document };
        },
      });
      expect(r.stdout === expected, `--format ${format}`).toBe(true);
    }
  }, 120_000);
});

describe("YAML loader", () => {
  it("maps apiVersion and kind to Pulumi type tokens and names like yaml.ConfigFile", async () => {
    const text = [
      "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}",
      "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}",
      "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny, namespace: shop}",
      "apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata: {name: worker, namespace: shop}",
      "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}",
      "",
    ].join("\n---\n");
    const resources = parseKubernetesYaml(text, "x.yaml").map((o) => toAnalyzedResource(o));
    expect(resources.map((r) => [r.type, r.name])).toEqual([
      ["kubernetes:core/v1:Service", "shop/web"],
      ["kubernetes:apps/v1:Deployment", "web"],
      ["kubernetes:networking.k8s.io/v1:NetworkPolicy", "shop/deny"],
      ["kubernetes:keda.sh/v1alpha1:ScaledObject", "shop/worker"],
      ["kubernetes:core/v1:Namespace", "shop"],
    ]);
    expect(resources[0]?.urn).toBe(
      "urn:pulumi:policy-check::kubernetes-yaml::kubernetes:core/v1:Service::shop/web",
    );
  });

  it("expands List objects and keeps duplicate objects apart", async () => {
    const text = `apiVersion: v1
kind: List
items:
  - {apiVersion: v1, kind: ConfigMap, metadata: {name: a, namespace: shop}}
  - {apiVersion: v1, kind: ConfigMap, metadata: {name: a, namespace: shop}}
`;
    const dir = tempDir();
    writeFileSync(join(dir, "list.yaml"), text);
    const resources = loadKubernetesResources([join(dir, "list.yaml")]);
    expect(resources.map((r) => r.urn)).toEqual([
      "urn:pulumi:policy-check::kubernetes-yaml::kubernetes:core/v1:ConfigMap::shop/a",
      "urn:pulumi:policy-check::kubernetes-yaml::kubernetes:core/v1:ConfigMap::shop/a#2",
    ]);
  });

  it("reports bad list items with their position", async () => {
    expect(() =>
      parseKubernetesYaml("apiVersion: v1\nkind: List\nitems: [{kind: ConfigMap}]\n", "l.yaml"),
    ).toThrow(new InputError('l.yaml: document 1, items[0]: missing "apiVersion"'));
    expect(() => parseKubernetesYaml("- a\n- b\n", "s.yaml")).toThrow(
      "s.yaml: document 1: expected a Kubernetes object, got a list",
    );
  });
});
