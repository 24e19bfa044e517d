import { spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { loadCatalog } from "../../infra/catalog/load";
import { loadPackConfig } from "../../policies/runner/config";
import { manifestPaths } from "../../tools/plan/manifest-names";
import { toManifestYaml } from "../../tools/plan/manifest-yaml";
import { diffLines, diffPlans } from "../../tools/plan/plan-diff";
import { runPolicyGate } from "../../tools/plan/policy-gate";
import { progressFor } from "../../tools/plan/progress";
import { isSecretWrapper, reveal } from "../../tools/plan/redact";
import { writePlan } from "../../tools/plan/render";
import { runProgram } from "../../tools/plan/run";
import { readStackFile } from "../../tools/plan/stack-file";
import { renderSummary } from "../../tools/plan/summary";
import { commitAll, copyCheckout, editCatalogValue } from "../helpers/checkout-copy";
import { nonEmpty } from "../helpers/non-empty";

// The plan as a merge-request review: all-or-nothing output, names that survive a change,
// `--diff` against a directory or a git ref, summary.md, and progress lines in CI.

const ROOT = join(__dirname, "..", "..");
const TSX = join(ROOT, "node_modules", ".bin", "tsx");

function planCli(cwd: string, args: string[]) {
  return spawnSync(TSX, ["tools/plan.ts", ...args], {
    cwd,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
}

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const path = join(dir, f);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

async function planInto(dir: string, config: Record<string, string>, stack = "local") {
  const run = await runProgram({ stack, config, secretKeys: [] });
  expect(run.error?.message).toBeUndefined();
  mkdirSync(dir, { recursive: true });
  return writePlan(dir, run.resources, run.outputs, "flowchart LR\n");
}

describe("stable manifest names", () => {
  it("keeps every file name when a change renames generated and content-hashed objects", async () => {
    const config = readStackFile(ROOT, "local").config;
    const images = JSON.parse(config["platform:images"] as string) as { tag: string };
    const before = await planInto(mkdtempSync(join(tmpdir(), "names-")), config);
    const after = await planInto(mkdtempSync(join(tmpdir(), "names-")), {
      ...config,
      "platform:images": JSON.stringify({ ...images, tag: `${images.tag}-next` }),
    });
    expect([...after.manifests.keys()].sort()).toEqual([...before.manifests.keys()].sort());
    // The Kubernetes names did change (migration Jobs carry the image): edits, not delete + add.
    const diff = diffPlans(before, after, "before");
    const renamed = diff.changes.filter((c) => c.fields.some((f) => f.path === "metadata.name"));
    expect(renamed.length).toBeGreaterThan(0);
    expect(diff.changes.filter((c) => c.change !== "changed")).toEqual([]);
  }, 120_000);

  it("adds a hash only where two objects would collide, and numbers true duplicates", () => {
    const object = (name: string, apiVersion = "v1") => ({
      apiVersion,
      kind: "ConfigMap",
      metadata: { name, namespace: "ns" },
    });
    const paths = manifestPaths([
      object("env-0123abcd"),
      object("env-4567cdef"),
      object("settings"),
      object("settings", "v2"),
      object("same"),
      object("same"),
      object("alone-89abcdef"),
    ]);
    expect(paths[0]).toMatch(/^ns\/configmap-env-[0-9a-f]{8}\.yaml$/);
    expect(paths[1]).toMatch(/^ns\/configmap-env-[0-9a-f]{8}\.yaml$/);
    expect(paths[0]).not.toBe(paths[1]);
    expect(paths[2]).not.toBe(paths[3]);
    expect(paths[4]).toMatch(/^ns\/configmap-same-[0-9a-f]{8}\.yaml$/);
    expect(paths[5]).toBe(paths[4]?.replace(/\.yaml$/, "~2.yaml"));
    expect(paths[6]).toBe("ns/configmap-alone.yaml");
    expect(new Set(paths).size).toBe(paths.length);
  });
});

describe("manifests read the same with YAML 1.1 (kubectl, Helm) and 1.2", () => {
  const stacks = readdirSync(join(ROOT, "stacks"))
    .filter((f) => /^Pulumi\.[^.]+\.yaml$/.test(f))
    .map((f) => f.replace(/^Pulumi\.|\.yaml$/g, ""))
    .filter((name) => !/^e2e-|^ci-/.test(name));

  it.each(stacks)(
    "every manifest of the %s plan",
    async (stack) => {
      const file = readStackFile(ROOT, stack);
      const dir = mkdtempSync(join(tmpdir(), `yaml11-${stack}-`));
      const run = await runProgram({ stack, config: file.config, secretKeys: file.secretKeys });
      expect(run.error?.message).toBeUndefined();
      writePlan(dir, run.resources, run.outputs, "");
      const manifests = files(join(dir, "manifests"));
      expect(manifests.length).toBeGreaterThan(0);
      for (const path of nonEmpty(manifests)) {
        const text = readFileSync(path, "utf8");
        expect(parse(text, { version: "1.1" }), relative(dir, path)).toEqual(parse(text, { version: "1.2" }));
      }
    },
    120_000,
  );

  it("quotes every YAML 1.1 spelling of a boolean, null, number and timestamp, in keys and values", async () => {
    const spellings = [
      ...[
        "y",
        "Y",
        "yes",
        "Yes",
        "YES",
        "n",
        "N",
        "no",
        "No",
        "NO",
        "true",
        "True",
        "TRUE",
        "false",
        "False",
      ],
      ...["FALSE", "on", "On", "ON", "off", "Off", "OFF", "null", "Null", "NULL", "~", ""],
      ...[
        "0b1010",
        "0755",
        "-012",
        "0x1F",
        "1_000",
        "190:20:30",
        "-1:30",
        "1.5",
        "1_000.5",
        "6.8523015e+5",
        "1e3",
      ],
      ...[".inf", "-.Inf", "+.INF", ".nan", ".NaN", "0o17", "2001-12-14", "2001-12-14t21:59:43.10-05:00"],
      ...["2001-12-14 21:59:43.10 -5", "<<"],
    ];
    const object = {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "spellings" },
      data: Object.fromEntries(spellings.map((s) => [s, s])),
      args: spellings,
    };
    const text = toManifestYaml(object);
    expect(parse(text, { version: "1.1" })).toEqual(object);
    expect(parse(text, { version: "1.2" })).toEqual(object);
  });
});

describe("npm run plan -- --out", () => {
  it("is exit 2 with one line when --out is a file", () => {
    const file = join(mkdtempSync(join(tmpdir(), "out-")), "a-file");
    writeFileSync(file, "");
    const result = planCli(ROOT, ["--out", file]);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(`plan: --out ${file} is a file, not a directory\n`);
  }, 60_000);

  it("is exit 2 with one line when --out cannot be written", () => {
    const dir = mkdtempSync(join(tmpdir(), "out-"));
    const blocked = join(dir, "a-file", "out");
    writeFileSync(join(dir, "a-file"), "");
    const result = planCli(ROOT, ["--out", blocked]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^plan: --out .* \(not a directory\)\n$|^plan: --out .*: [a-z -]+\n$/);
    expect(result.stderr.split("\n")).toHaveLength(2);
  }, 60_000);
});

describe("npm run plan -- --stack", () => {
  it("refuses a stack name that is a path before touching anything", () => {
    const dir = mkdtempSync(join(tmpdir(), "out-"));
    mkdirSync(join(dir, "victim"));
    writeFileSync(join(dir, "victim", "keep"), "");
    const result = planCli(ROOT, ["--stack", "../victim", "--out", join(dir, "out")]);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(
      `plan: --stack "../victim" is not a stack name: use letters, digits, '-', '_' and '.'\n`,
    );
    expect(existsSync(join(dir, "victim", "keep"))).toBe(true);
  }, 60_000);
});

describe("npm run plan in a copy of this checkout", () => {
  let copy: string;
  let out: string;
  let first: ReturnType<typeof planCli>;

  beforeAll(() => {
    copy = copyCheckout();
    out = join(copy, "out");
    first = planCli(copy, ["--stack", "local", "--out", out]);
  }, 180_000);

  it("writes out/<stack>/ whole, with summary.md, and leaves no staging directory", () => {
    expect(first.status, first.stderr).toBe(0);
    expect(readdirSync(out)).toEqual(["local"]);
    for (const f of ["summary.md", "policy-report.json", "resources.json", "outputs.json", "graph.mmd"])
      expect(existsSync(join(out, "local", f)), f).toBe(true);
  });

  it("prints one line per phase with its duration when stdout is not a terminal", () => {
    const phases = first.stdout.split("\n").filter((l) => /^plan: .+ \(\d+ ms\)$/.test(l));
    expect(phases.map((l) => l.replace(/ \(\d+ ms\)$/, ""))).toEqual([
      "plan: reading stacks/Pulumi.local.yaml",
      "plan: reading the catalog",
      "plan: evaluating the program under the mock runtime",
      "plan: writing manifests",
      "plan: running the policy pack",
      "plan: writing summary.md",
    ]);
    expect(first.stdout).not.toContain("\u001b");
  });

  it("summary.md shows the stack, every service, the counts, the graph and the policy verdict", () => {
    const summary = readFileSync(join(out, "local", "summary.md"), "utf8");
    const outputs = JSON.parse(readFileSync(join(out, "local", "outputs.json"), "utf8"));
    const resources = JSON.parse(readFileSync(join(out, "local", "resources.json"), "utf8")) as unknown[];
    const report = JSON.parse(readFileSync(join(out, "local", "policy-report.json"), "utf8"));
    expect(summary).toMatch(/^# Plan of stack `local`/);
    for (const name of nonEmpty(Object.keys(outputs.services))) expect(summary).toContain(`| \`${name}\` |`);
    expect(summary).toContain(`## Resources (${resources.length}, of which`);
    expect(summary).toContain(
      `\`\`\`mermaid\n${readFileSync(join(out, "local", "graph.mmd"), "utf8").trimEnd()}\n\`\`\``,
    );
    expect(summary).toContain(`(${report.policiesRun} policies run)`);
    expect(summary).toContain(`## Policy findings (0 mandatory, ${report.violations.length} advisory)`);
  });

  it("removes out/<stack>/ when a later plan of that stack fails: no stale report survives", () => {
    const stack = join(copy, "stacks", "Pulumi.local.yaml");
    const original = readFileSync(stack, "utf8");
    try {
      writeFileSync(stack, original.replace(/platform:namespace: .*/, "platform:namespace: Not A Namespace"));
      const failed = planCli(copy, ["--stack", "local", "--out", out]);
      expect(failed.status).toBe(2);
      expect(failed.stderr).toContain("platform:namespace: must be a DNS-1123 label");
      expect(readdirSync(out)).toEqual([]);
    } finally {
      writeFileSync(stack, original);
    }
  }, 120_000);

  it("--diff <git ref> names exactly the catalog field that changed", () => {
    const service = loadCatalog().services.find((s) => (s.routes?.length ?? 0) > 0);
    const prefix = service?.routes?.[0]?.pathPrefix as string;
    expect(prefix).toBeDefined();
    commitAll(copy, "baseline");
    editCatalogValue(copy, prefix, `${prefix}-v2`);
    const result = planCli(copy, ["--stack", "local", "--out", out, "--diff", "HEAD"]);
    expect(result.status, result.stderr).toBe(0);
    const diff = JSON.parse(readFileSync(join(out, "local", "diff.json"), "utf8"));
    expect(diff.changes).toEqual([
      {
        id: expect.stringMatching(new RegExp(`/httproute-${service?.name}$`)),
        change: "changed",
        fields: [{ path: expect.stringMatching(/\.path\.value$/), before: prefix, after: `${prefix}-v2` }],
      },
    ]);
    expect(result.stdout).toMatch(/changes against HEAD \([0-9a-f]{12}\): 0 added, 1 changed, 0 removed\n/);
    expect(result.stdout).toContain(`.path.value: "${prefix}" → "${prefix}-v2"`);
    const summary = readFileSync(join(out, "local", "summary.md"), "utf8");
    expect(summary).toMatch(/## Changes against HEAD \([0-9a-f]{12}\) \(0 added, 1 changed, 0 removed\)/);
    expect(summary).toContain(`~ ${diff.changes[0].id}`);
  }, 240_000);

  it("--diff <dir> compares with a previous plan directory; the exit code stays the plan's", () => {
    const baseline = mkdtempSync(join(tmpdir(), "baseline-"));
    const previous = planCli(copy, ["--stack", "local", "--out", baseline, "--no-policy"]);
    expect(previous.status, previous.stderr).toBe(0);
    const result = planCli(copy, ["--stack", "local", "--out", out, "--diff", join(baseline, "local")]);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/changes against .*: 0 added, 0 changed, 0 removed/);
  }, 240_000);

  it("--diff with neither a plan directory nor a git ref is exit 2 with one line", () => {
    const result = planCli(copy, ["--stack", "local", "--out", out, "--diff", "no-such-ref"]);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(
      "plan: --diff no-such-ref: neither a plan directory nor a git ref of this repository\n",
    );
  }, 60_000);
});

describe("summary.md", () => {
  it("shows every policy finding with its text, advisories included, and the changes", async () => {
    const file = readStackFile(ROOT, "local");
    const run = await runProgram({ stack: "local", config: file.config, secretKeys: file.secretKeys });
    // Without their exemptions and as advisories, two policies report the log shipper.
    const config = { ...loadPackConfig("local"), "run-as-non-root": "advisory", "no-host-paths": "advisory" };
    const report = runPolicyGate(run.resources, config as never, { "platform:stack": "local" });
    expect(report.violations.length).toBeGreaterThan(0);
    const summary = renderSummary({
      stack: "local",
      profile: "in-cluster",
      environment: "local",
      namespace: "platform",
      services: [{ name: "content", image: "r/content:1", routes: ["/api/content"] }],
      resourceCounts: [["kubernetes:apps/v1:Deployment", 1]],
      kubernetesObjects: 1,
      policy: report,
      diff: {
        baseline: "main",
        changes: [
          {
            id: "platform/deployment-content",
            change: "changed",
            fields: [{ path: "spec.replicas", before: 1, after: 2 }],
          },
        ],
      },
      mermaid: "flowchart LR\n  a --> b\n",
      notes: [],
    });
    const unescaped = summary.replace(/\\([\\`*_[\]<>|&#])/g, "$1");
    expect(summary).toContain(`## Policy findings (0 mandatory, ${report.violations.length} advisory)`);
    for (const v of nonEmpty(report.violations)) {
      expect(summary).toContain(`\`${v.policy}\``);
      expect(unescaped).toContain(v.message);
    }
    expect(summary).toContain("## Changes against main (0 added, 1 changed, 0 removed)");
    expect(summary).toContain("```diff\n~ platform/deployment-content\n    spec.replicas: 1 → 2\n```");
    expect(summary).toContain("```mermaid\nflowchart LR\n  a --> b\n```");
  }, 60_000);

  it("cannot be made to inject markup by a value", () => {
    const summary = renderSummary({
      stack: "x",
      profile: "in-cluster",
      environment: "local",
      namespace: "ns",
      services: [{ name: "a`|<img src=x>", routes: ["/x`y"] }],
      resourceCounts: [],
      kubernetesObjects: 0,
      policy: {
        policiesRun: 1,
        violations: [
          {
            policy: "p",
            enforcementLevel: "advisory",
            resource: { type: "t", name: "n", urn: "u" },
            message: "<script>alert(1)</script> [link](http://x) \u001b[31m",
          },
        ],
      },
      mermaid: "",
      notes: [],
    });
    // Escaped with a backslash, Markdown shows the characters instead of interpreting them; inside
    // a code span nothing is interpreted, and no backtick of a value can close one.
    expect(summary).toContain("`aˋ\\|<img src=x>`");
    expect(summary.replace(/`[^`\n]*`/g, "")).not.toMatch(/(?<!\\)<(script|img)|(?<!\\)\]\(http/);
    expect(summary).not.toContain("\u001b");
    expect(summary).toContain("\\<script\\>");
  });
});

describe("progress", () => {
  it("rewrites one line on a terminal and clears it at the end", () => {
    const written: string[] = [];
    const progress = progressFor({ isTTY: true, write: (s: string) => written.push(s) } as never);
    progress.phase("evaluating");
    progress.done();
    expect(written).toEqual(["\r\u001b[2K… evaluating", "\r\u001b[2K"]);
  });

  it("in CI, holds the input phases' lines until the input is valid: invalid input prints only its error", () => {
    const written: string[] = [];
    const stream = { isTTY: false, write: (s: string) => written.push(s) } as never;
    const failed = progressFor(stream);
    failed.phase("reading the stack file");
    failed.phase("evaluating");
    failed.done();
    expect(written).toEqual([]);
    const planned = progressFor(stream);
    planned.phase("reading the stack file");
    planned.phase("evaluating");
    planned.release();
    planned.phase("writing");
    planned.done();
    expect(written.join("").split("\n")).toEqual([
      expect.stringMatching(/^plan: reading the stack file \(\d+ ms\)$/),
      expect.stringMatching(/^plan: evaluating \(\d+ ms\)$/),
      expect.stringMatching(/^plan: writing \(\d+ ms\)$/),
      "",
    ]);
  });
});

describe("secrets in --diff", () => {
  it("compares redacted values only: no secret of either plan appears in the diff", async () => {
    const config = readStackFile(ROOT, "local").config;
    const dir = mkdtempSync(join(tmpdir(), "secret-diff-"));
    const before = await planInto(join(dir, "a"), config);
    // Another namespace changes every object, the Secrets included.
    const after = await planInto(join(dir, "b"), { ...config, "platform:namespace": "elsewhere" });
    const diff = diffPlans(before, after, "a");
    expect(diff.changes.some((c) => c.id.includes("/secret-"))).toBe(true);
    // A log gets the first 50 objects; diff.json all of them.
    expect(diff.changes.length).toBeGreaterThan(50);
    const lines = diffLines(diff);
    expect(lines[1]).toBe(`  (the first 50 of ${diff.changes.length} objects; diff.json lists them all)`);
    expect(lines.filter((l) => /^ {2}[~+-] /.test(l))).toHaveLength(50);
    const text = JSON.stringify(diff);
    const run = await runProgram({ stack: "local", config, secretKeys: [] });
    const plain: string[] = [];
    const collect = (v: unknown): void => {
      if (isSecretWrapper(v)) plain.push(...strings(reveal(v)));
      else if (v && typeof v === "object") Object.values(v).forEach(collect);
    };
    for (const r of run.resources) collect(r.state);
    expect(plain.length).toBeGreaterThan(10);
    for (const secret of nonEmpty(plain.filter((s) => s.length >= 8))) expect(text).not.toContain(secret);
  }, 120_000);
});

function strings(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (value && typeof value === "object") return Object.values(value).flatMap(strings);
  return [];
}
