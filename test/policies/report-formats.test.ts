// `--format sarif | junit | gitlab-codequality`: each report validated against its schema (SARIF
// 2.1.0's OASIS JSON schema, GitLab's Code Quality format) or parsed as XML and checked against the
// JUnit structure CI tools read; findings point at the file and line of their YAML document.

import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, sep } from "node:path";
import { pathToFileURL } from "node:url";
import Ajv from "ajv";
import addFormats from "ajv-formats";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { describe, expect, it } from "vitest";
import { policyIds } from "../../policies/checks";
import { jsonChunks, lazyArray } from "../../policies/runner/json-chunks";
import { nonEmpty } from "../helpers/non-empty";
import { policyCli as cli } from "./policy-cli";
import { readSchema, validateXml } from "./xsd";

const SCHEMAS = join(__dirname, "fixtures", "_schemas");

function ajv() {
  const a = new Ajv({ allErrors: true, strict: false });
  addFormats(a);
  return a;
}

/** JUnit's schema (junit-4.xsd, see fixtures/_schemas/README.md). */
function junitSchema() {
  return readSchema(readFileSync(join(SCHEMAS, "junit-4.xsd"), "utf8"));
}

/**
 * Beyond junit-4.xsd, test cases carry the file and line of the YAML document: GitLab's test report
 * reads `file`, and pytest, Jest and others write both. Nothing else may be added.
 */
const JUNIT_EXTENSIONS = { testcase: ["file", "line"] } as const;

function sarifValidator() {
  const schema = JSON.parse(readFileSync(join(SCHEMAS, "sarif-schema-2.1.0.json"), "utf8"));
  schema.$id = schema.id;
  delete schema.id;
  delete schema.$schema;
  return ajv().compile(schema);
}

/** Two files: a mandatory violation on line 6, an advisory, and a schema error in document 2. */
function manifests(): { dir: string; app: string; broken: string } {
  const dir = mkdtempSync(join(tmpdir(), "policy-formats-"));
  const app = join(dir, "app.yaml");
  writeFileSync(
    app,
    `# the app
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      hostNetwork: yes
      containers:
        - name: web
          image: "registry.example.com/web:1.0.0"
          env: [{name: DATABASE_PASSWORD, value: "<&'quoted'>"}]
`,
  );
  const broken = join(dir, "broken.yaml");
  writeFileSync(
    broken,
    `apiVersion: v1
kind: ConfigMap
metadata: {name: ok, namespace: shop}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: typo, namespace: shop}
spec:
  replicas: "three"
  selector: {matchLabels: {app: typo}}
  template:
    metadata: {labels: {app: typo}}
    spec:
      containers: [{name: web, image: "registry.example.com/web:1.0.0", ports: [{containerPort: http}]}]
`,
  );
  return { dir, app, broken };
}

describe("schema validation of every object", () => {
  it("reports schema errors with file#document and the fields, as kubeconform does", async () => {
    const { broken } = manifests();
    const r = await cli(["check", broken, "--format", "json"]);
    const schema = JSON.parse(r.stdout).violations.filter(
      (v: { policy: string }) => v.policy === "kubernetes-schema",
    );
    expect(schema).toHaveLength(1);
    expect(schema[0].message).toContain(
      `Deployment shop/typo (${broken}#2): does not match the apps/v1 Deployment schema:`,
    );
    expect(schema[0].message).toContain("spec.replicas must be integer");
    expect(schema[0].message).toContain(
      "spec.template.spec.containers[0].ports[0].containerPort must be integer",
    );
    expect(schema[0].enforcementLevel).toBe("mandatory");
    expect(r.code).toBe(1);
  });

  it("validates removed API versions too and leaves custom resources alone", async () => {
    const dir = mkdtempSync(join(tmpdir(), "policy-schema-"));
    const file = join(dir, "x.yaml");
    writeFileSync(
      file,
      `apiVersion: autoscaling/v2beta2
kind: HorizontalPodAutoscaler
metadata: {name: web, namespace: shop}
spec: {scaleTargetRef: {kind: Deployment, name: web}, maxReplicas: "ten"}
---
apiVersion: example.com/v1
kind: Widget
metadata: {name: w, namespace: shop}
spec: {anything: [1, "two"]}
---
apiVersion: ../../../etc/v1
kind: Passwd
metadata: {name: p}
`,
    );
    const r = await cli(["check", file, "--format", "json"]);
    const schema = JSON.parse(r.stdout).violations.filter(
      (v: { policy: string }) => v.policy === "kubernetes-schema",
    );
    expect(schema.map((v: { message: string }) => v.message)).toEqual([
      expect.stringContaining("spec.maxReplicas must be integer"),
    ]);
  });
});

describe("CI report formats", () => {
  it("--format sarif is valid SARIF 2.1.0 with a rule per policy and file/line locations", async () => {
    const { app, broken } = manifests();
    const r = await cli(["check", app, broken, "--format", "sarif"]);
    expect(r.code).toBe(1);
    const log = JSON.parse(r.stdout);
    const validate = sarifValidator();
    expect(validate(log), JSON.stringify(validate.errors, null, 2)).toBe(true);
    const run = log.runs[0];
    expect(run.tool.driver.rules.map((x: { id: string }) => x.id)).toEqual([
      "kubernetes-schema",
      ...policyIds,
    ]);
    const results = run.results as Array<{
      ruleId: string;
      ruleIndex: number;
      level: string;
      locations: Array<{
        physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } };
      }>;
    }>;
    for (const x of nonEmpty(results)) expect(run.tool.driver.rules[x.ruleIndex].id).toBe(x.ruleId);
    const host = results.find((x) => x.ruleId === "no-host-namespaces");
    expect(host?.level).toBe("error");
    expect(host?.locations[0]?.physicalLocation.region.startLine).toBe(6);
    // Outside the working directory: an absolute file URI (inside it: a repository-relative path).
    expect(host?.locations[0]?.physicalLocation.artifactLocation.uri).toBe(pathToFileURL(app).href);
    const schema = results.find((x) => x.ruleId === "kubernetes-schema");
    expect(schema?.locations[0]?.physicalLocation.region.startLine).toBe(5);
    expect(results.some((x) => x.level === "warning")).toBe(true);
  });

  it("points at repository-relative paths for files under the working directory", async () => {
    const file = relative(
      process.cwd(),
      join(__dirname, "fixtures", "no-privileged", "failure.privileged.yaml"),
    );
    const sarif = JSON.parse((await cli(["check", file, "--format", "sarif"])).stdout);
    const uris = sarif.runs[0].results.map(
      (x: { locations: Array<{ physicalLocation: { artifactLocation: { uri: string } } }> }) =>
        x.locations[0]?.physicalLocation.artifactLocation.uri,
    );
    expect(new Set(uris)).toEqual(new Set([file.split(sep).join("/")]));
    const quality = JSON.parse((await cli(["check", file, "--format", "gitlab-codequality"])).stdout);
    expect(new Set(quality.map((i: { location: { path: string } }) => i.location.path))).toEqual(
      new Set([file.split(sep).join("/")]),
    );
  });

  it("--format gitlab-codequality matches GitLab's Code Quality format", async () => {
    const { app, broken } = manifests();
    const r = await cli(["check", app, broken, "--format", "gitlab-codequality"]);
    const issues = JSON.parse(r.stdout);
    const schema = JSON.parse(readFileSync(join(SCHEMAS, "gitlab-codequality.schema.json"), "utf8"));
    const validate = ajv().compile(schema);
    expect(validate(issues), JSON.stringify(validate.errors, null, 2)).toBe(true);
    expect(issues.length).toBeGreaterThan(2);
    expect(new Set(issues.map((i: { fingerprint: string }) => i.fingerprint)).size).toBe(issues.length);
    const host = issues.find((i: { check_name: string }) => i.check_name === "no-host-namespaces");
    expect(host.severity).toBe("critical");
    expect(host.location.lines.begin).toBe(6);
    expect(issues.some((i: { severity: string }) => i.severity === "minor")).toBe(true);
    // Same input, same fingerprints: GitLab compares them between the branch and its target.
    const again = JSON.parse((await cli(["check", app, broken, "--format", "gitlab-codequality"])).stdout);
    expect(again.map((i: { fingerprint: string }) => i.fingerprint)).toEqual(
      issues.map((i: { fingerprint: string }) => i.fingerprint),
    );
  });

  it("--format junit is well-formed JUnit XML whose failures are the mandatory findings", async () => {
    const { app, broken } = manifests();
    const r = await cli(["check", app, broken, "--format", "junit"]);
    expect(XMLValidator.validate(r.stdout)).toBe(true);
    expect(validateXml(r.stdout, junitSchema(), JUNIT_EXTENSIONS)).toEqual([]);
    const doc = new XMLParser({
      ignoreAttributes: false,
      attributeNamePrefix: "",
      isArray: (name) => ["testsuite", "testcase", "failure"].includes(name),
    }).parse(r.stdout);
    const suites = doc.testsuites.testsuite as Array<{
      name: string;
      tests: string;
      failures: string;
      testcase: Array<{
        name: string;
        classname: string;
        failure?: Array<{ message: string; type: string; "#text": string }>;
      }>;
    }>;
    expect(suites.map((s) => s.name)).toEqual(["kubernetes-schema", ...policyIds]);
    let failures = 0;
    let tests = 0;
    for (const s of nonEmpty(suites)) {
      expect(Number(s.tests)).toBe(s.testcase.length);
      expect(Number(s.failures)).toBe(s.testcase.filter((c) => c.failure).length);
      for (const c of nonEmpty(s.testcase)) {
        expect(c.classname).toBe(s.name);
        expect(c.name.startsWith(`${s.name}: `)).toBe(true);
      }
      failures += Number(s.failures);
      tests += Number(s.tests);
    }
    expect(Number(doc.testsuites.failures)).toBe(failures);
    expect(Number(doc.testsuites.tests)).toBe(tests);
    const json = JSON.parse((await cli(["check", app, broken, "--format", "json"])).stdout);
    const mandatoryPairs = new Set(
      json.violations
        .filter((v: { enforcementLevel: string }) => v.enforcementLevel === "mandatory")
        .map(
          (v: { policy: string; resource: { kind: string; namespace?: string; name: string } }) =>
            `${v.policy} ${v.resource.kind} ${v.resource.namespace ?? ""}/${v.resource.name}`,
        ),
    );
    expect(failures).toBe(mandatoryPairs.size);
    // Messages survive XML escaping (quotes, ampersands, angle brackets).
    const host = suites.find((s) => s.name === "no-host-namespaces");
    const failure = host?.testcase[0]?.failure?.[0];
    expect(failure?.type).toBe("mandatory");
    expect(failure?.["#text"]).toContain("Deployment shop/web");
    expect(failure?.["#text"]).toBe(failure?.message);
  });

  it("a clean run is a valid empty report in every format", async () => {
    const dir = mkdtempSync(join(tmpdir(), "policy-clean-"));
    const file = join(dir, "ns.yaml");
    writeFileSync(file, "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n");
    const sarif = JSON.parse((await cli(["check", file, "--format", "sarif"])).stdout);
    expect(sarifValidator()(sarif)).toBe(true);
    expect(sarif.runs[0].results).toEqual([]);
    expect(JSON.parse((await cli(["check", file, "--format", "gitlab-codequality"])).stdout)).toEqual([]);
    const junit = (await cli(["check", file, "--format", "junit"])).stdout;
    expect(XMLValidator.validate(junit)).toBe(true);
    expect(validateXml(junit, junitSchema(), JUNIT_EXTENSIONS)).toEqual([]);
    expect(junit).toContain('failures="0"');
  });
});

describe("hostile strings from the input", () => {
  // What a terminal or a CI log would act on: controls (newline, CR, ESC, 8-bit CSI), DEL, line
  // separators, bidi marks and overrides, the BOM. The text report may hold only its own newlines.
  const UNPRINTABLE =
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it finds
    /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069\ufeff]/;
  const SECRET = "hunter2-Sup3rSecret-Value-9f8e7d";
  const HUGE = 1_000_000;

  function hostile(): { dir: string; file: string } {
    const dir = mkdtempSync(join(tmpdir(), "policy-hostile-"));
    // The file name itself carries a newline and an ESC sequence.
    const file = join(dir, "app\n::error file=x::forged\u001b[31m.yaml");
    writeFileSync(
      file,
      `apiVersion: v1
kind: Pod
metadata:
  name: "evil\\e[31mRED\\e]0;title\\a\\nOK: 0 mandatory, 0 advisory\\r\\u2028\\u202e\\u200f\\ufeff\\u009b2J"
  namespace: "ns\\e[2J"
spec:
  containers:
    - name: "c\\e[0m\\n::error file=x::forged"
      image: "registry.example.com/web:1.0.0"
      env: [{name: "DB_PASSWORD\\e[1m", value: "${SECRET}"}]
    - name: "${"n".repeat(HUGE)}"
      image: "registry.example.com/web:1.0.0"
`,
    );
    return { dir, file };
  }

  it("the text report escapes them: every line is one of its own, none forged, and bounded", async () => {
    const { file } = hostile();
    const r = await cli(["check", file]);
    expect(r.code).toBe(1);
    expect(r.stdout).not.toMatch(UNPRINTABLE);
    const lines = r.stdout.trimEnd().split("\n");
    for (const line of nonEmpty(lines.slice(0, -1))) {
      // A resource header, a finding, or the blank line between groups.
      expect(line === "" || /^(Pod | {2}MANDATORY | {2}advisory {2})/.test(line), line.slice(0, 200)).toBe(
        true,
      );
    }
    expect(lines.at(-1)).toMatch(/^FAIL: \d+ mandatory/);
    expect(r.stdout).toContain("\\x1b[31m");
    expect(r.stdout).toContain("\\n::error file=x::forged");
    // The 1,000,000-character name is cut in each finding that names it.
    expect(r.stdout.length).toBeLessThan(HUGE / 4);
    expect(r.stdout).toContain("more characters)");
    expect(r.stdout).not.toContain(SECRET);
  });

  it("every CI format stays valid and bounded, and never holds the secret", async () => {
    const { file } = hostile();
    for (const format of ["json", "sarif", "gitlab-codequality", "junit"]) {
      const r = await cli(["check", file, "--format", format]);
      expect(r.code, format).toBe(1);
      expect(r.stdout, format).not.toContain(SECRET);
      expect(r.stdout.length, format).toBeLessThan(HUGE);
      if (format === "junit") {
        expect(XMLValidator.validate(r.stdout)).toBe(true);
        expect(validateXml(r.stdout, junitSchema(), JUNIT_EXTENSIONS)).toEqual([]);
        continue;
      }
      // JSON escapes controls itself: no raw control character reaches the log.
      // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it finds
      expect(r.stdout, format).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);
      const parsed = JSON.parse(r.stdout);
      if (format === "sarif") {
        const validate = sarifValidator();
        expect(validate(parsed), JSON.stringify(validate.errors, null, 2)).toBe(true);
      }
    }
  });

  it("an error line escapes what it echoes and stays one line", async () => {
    const r = await cli(["check", "missing\n::error file=x::forged\u001b[2J.yaml"]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(r.stderr).not.toMatch(UNPRINTABLE);
    expect(r.stderr).toContain("missing\\n::error file=x::forged\\x1b[2J.yaml: cannot read: ENOENT");
  });
});

describe("the report commands policies/README.md shows", () => {
  const readme = readFileSync(join(__dirname, "..", "..", "policies", "README.md"), "utf8");
  const commands = [...readme.matchAll(/^npm run -s policy -- (check deploy\/ [^>\n]*?)\s*>\s*(\S+)/gm)];

  it("shows one command per CI format", () => {
    expect(commands.map((m) => /--format (\S+)/.exec(m[1] ?? "")?.[1]).sort()).toEqual([
      "gitlab-codequality",
      "junit",
      "sarif",
    ]);
  });

  it.each(commands.map((m) => [m[1] ?? "", m[2] ?? ""]))("%s > %s works as written", async (command, out) => {
    // deploy/ stands for the user's manifests: a directory with one finding.
    const { dir } = manifests();
    const argv = command.split(/\s+/).map((a) => (a === "deploy/" ? dir : a));
    const r = await cli(argv);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(1);
    if (out.endsWith(".xml")) expect(XMLValidator.validate(r.stdout)).toBe(true);
    else expect(() => JSON.parse(r.stdout)).not.toThrow();
  });
});

describe("the JUnit schema check", () => {
  it("finds what junit-4.xsd forbids: a missing name, an unknown attribute or element, the wrong order", () => {
    const rules = junitSchema();
    const valid =
      '<testsuites><testsuite name="s" tests="1"><testcase name="c"><failure message="m">t</failure><system-out>o</system-out></testcase></testsuite></testsuites>';
    expect(validateXml(valid, rules)).toEqual([]);
    const bad = [
      ['<testsuites><testsuite tests="1"/></testsuites>', "missing required attribute name"],
      ['<testsuites><testsuite name="s" tests="1" flaky="1"/></testsuites>', "attribute flaky"],
      ['<testsuites><testsuite name="s" tests="1"><case/></testsuite></testsuites>', "case is not allowed"],
      [
        '<testsuites><testsuite name="s" tests="1"><testcase name="c"><system-out>o</system-out><failure/></testcase></testsuite></testsuites>',
        "failure is not allowed there",
      ],
      [
        '<testsuites><testsuite name="s" tests="1"><testcase name="c" file="f"/></testsuite></testsuites>',
        "file",
      ],
    ] as const;
    for (const [xml, problem] of bad) expect(validateXml(xml, rules).join("\n")).toContain(problem);
  });
});

describe("reports written while they are built", () => {
  it("write exactly what JSON.stringify(value, null, 2) writes, lazy arrays included", () => {
    const values: unknown[] = [
      {},
      [],
      { a: [], b: {}, c: null, d: undefined, e: () => 1, f: [undefined, 1, "x\ny"], g: Number.NaN },
      { nested: { deeper: [{ x: 1 }, [2, [3]]] }, s: 'quote " and \\ and \u2028' },
      [[], [{}], { k: [1, 2] }],
    ];
    for (const value of values) {
      expect([...jsonChunks(value)].join("")).toBe(JSON.stringify(value, null, 2));
    }
    const items = [{ a: 1, b: [1, { c: "d" }] }, { a: 2, b: [] }, undefined];
    const eager = { head: "h", list: items, tail: [{ x: items }], empty: [] };
    const lazy = {
      head: "h",
      list: lazyArray(items, (i) => i),
      tail: [{ x: lazyArray(items, (i) => i) }],
      empty: lazyArray([], (i) => i),
    };
    expect([...jsonChunks(lazy)].join("")).toBe(JSON.stringify(eager, null, 2));
  });
});
