import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseImageArgs } from "../../policies/image/cli";
import { FORMATS } from "../../policies/runner/report-formats";
import { parseCommandLine } from "../../stacks/ephemeral/args";
import { parseTtl } from "../../stacks/ephemeral/ttl";
import { nonEmpty } from "../helpers/non-empty";
import { ROOT } from "./helpers";
import { loadTemplate, type Yaml } from "./template-yaml";

// The CI templates users copy: valid YAML, the essential structure of each pipeline, and every
// command they run exists (npm scripts of package.json, ephemeral subcommands and flags).

const scripts = Object.keys(
  (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> })
    .scripts,
);

/** Splits a shell command line into words, honouring single and double quotes. */
function words(line: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g;
  for (const m of line.matchAll(re)) out.push(m[1] ?? m[2] ?? m[3] ?? "");
  return out;
}

/** Every `npm ...` command in a list of shell lines (multi-line blocks included). */
function npmCommands(lines: readonly string[]): string[][] {
  return lines
    .flatMap((l) => l.split("\n"))
    .map((l) => l.trim())
    .filter((l) => /^npm /.test(l))
    .map(words);
}

/** Checks `npm run <script>` against package.json and `npm run ephemeral -- ...` against the CLI. */
function checkNpm(lines: readonly string[], where: string): { ephemeral: string[][] } {
  const ephemeral: string[][] = [];
  for (const cmd of nonEmpty(npmCommands(lines))) {
    if (cmd[1] === "ci") continue;
    if (cmd[1] === "test") continue; // npm test -> scripts.test
    expect(cmd[1], `${where}: ${cmd.join(" ")}`).toBe("run");
    const args = cmd.slice(2).filter((a) => a !== "--silent");
    const script = args[0] ?? "";
    expect(scripts, `${where}: npm run ${script} is not a script of package.json`).toContain(script);
    if (script === "ephemeral") {
      expect(args[1], `${where}: arguments go after --`).toBe("--");
      const argv = args.slice(2);
      // Throws a UsageError for an unknown command or flag, or a missing value.
      expect(() => parseCommandLine(argv), `${where}: ${argv.join(" ")}`).not.toThrow();
      ephemeral.push(argv);
    }
  }
  expect(scripts).toContain("test");
  return { ephemeral };
}

/** A GitHub Actions expression as written in a workflow: ex("a.b") -> "${{ a.b }}". */
const ex = (expression: string) => `\${{ ${expression} }}`;

function flag(argv: readonly string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

describe("GitLab template (ci/gitlab)", () => {
  const root = loadTemplate("ci/gitlab/.gitlab-ci.yml");
  const ci = loadTemplate("ci/gitlab/platform.gitlab-ci.yml");
  const reserved = new Set(["workflow", "stages", "variables", "default", "include", "image", "cache"]);
  const jobs = Object.fromEntries(
    Object.entries(ci).filter(([k]) => !reserved.has(k) && !k.startsWith(".")),
  ) as Record<string, Yaml>;
  const hidden = Object.fromEntries(Object.entries(ci).filter(([k]) => k.startsWith("."))) as Record<
    string,
    Yaml
  >;
  const variables = ci.variables as Record<string, string>;

  /** A job's shell lines, including before_script inherited through extends. */
  function lines(name: string): string[] {
    const job = jobs[name] ?? {};
    const extended = ([] as string[]).concat((job.extends as string | string[] | undefined) ?? []);
    const before =
      (job.before_script as string[] | undefined) ??
      extended.map((e) => hidden[e]?.before_script as string[] | undefined).find(Boolean) ??
      ((ci.default as Yaml).before_script as string[]);
    return [...before, ...((job.script as string[]) ?? [])];
  }

  it("is included by the root file", () => {
    expect(root.include).toEqual([{ local: "ci/gitlab/platform.gitlab-ci.yml" }]);
  });

  it("has the jobs of the pipeline, each in a declared stage, with needs and extends that resolve", () => {
    expect(Object.keys(jobs).sort()).toEqual(
      [
        "lint",
        "typecheck",
        "test",
        "plan",
        "preview:staging",
        "ephemeral:up",
        "integration",
        "ephemeral:down",
        "deploy:staging",
        "verify:staging",
        "deploy:production",
        "verify:production",
        "rollback:staging",
        "rollback:production",
        "reap",
        "audit:images",
      ].sort(),
    );
    const stages = ci.stages as string[];
    for (const [name, job] of nonEmpty(Object.entries(jobs))) {
      expect(stages, name).toContain(job.stage);
      expect(job.script, name).toBeDefined();
      for (const n of (job.needs as Array<string | { job: string }> | undefined) ?? []) {
        expect(Object.keys(jobs), `${name} needs ${JSON.stringify(n)}`).toContain(
          typeof n === "string" ? n : n.job,
        );
      }
      for (const e of ([] as string[]).concat((job.extends as string | string[] | undefined) ?? [])) {
        expect(Object.keys(hidden), `${name} extends ${e}`).toContain(e);
      }
    }
  });

  it("runs lint, type-check, tests, the offline plan of every stack and the policy check of its manifests", () => {
    expect(lines("lint")).toContain("npm run lint");
    expect(lines("typecheck")).toContain("npm run typecheck");
    expect(lines("test")).toContain("npm test");
    const parallel = jobs.plan?.parallel as { matrix: Array<{ STACK: string[] }> } | undefined;
    const matrix = parallel?.matrix[0]?.STACK;
    // Every committed stack file is planned.
    const committed = readdirSync(join(ROOT, "stacks"))
      .map((f) => /^Pulumi\.([a-z0-9]+)\.yaml$/.exec(f)?.[1])
      .filter((s): s is string => s !== undefined);
    expect([...(matrix ?? [])].sort()).toEqual(committed.sort());
    expect(lines("plan").join("\n")).toMatch(/npm run plan -- --stack "\$STACK" --out out --diff "origin\//);
    expect(lines("plan").join("\n")).toMatch(
      /npm run policy -- check "out\/\$STACK\/manifests" --config "out\/\$STACK\/policy-config.json"/,
    );
    // summary.md as a merge-request note; the findings in the test and Code Quality widgets.
    expect(((jobs.plan?.after_script as string[]) ?? []).join("\n")).toMatch(
      /out\/\$STACK\/summary\.md[\s\S]*merge_requests\/\$CI_MERGE_REQUEST_IID\/notes/,
    );
    const reports = ((jobs.plan?.artifacts ?? {}) as Yaml).reports as Record<string, string>;
    expect(reports).toEqual({
      junit: "out/$STACK/policy-report.junit.xml",
      codequality: "out/$STACK/policy-report.codequality.json",
    });
    expect(lines("preview:staging").join("\n")).toMatch(
      /pulumi preview --stack staging --policy-pack policies/,
    );
  });

  it("audits every image the ci stack runs, at the commit's tag, in the plan stage before the ephemeral stack", () => {
    const audit = npmCommands(lines("audit:images")).filter((c) => c.includes("image"));
    expect(audit.length).toBeGreaterThan(0);
    for (const cmd of nonEmpty(audit)) {
      const rest = cmd.slice(cmd.indexOf("image") + 1);
      const end = rest.findIndex((w) => [">", "||", "&&", "|"].includes(w));
      const argv = end < 0 ? rest : rest.slice(0, end);
      expect(flag(argv, "--tag")).toBe("$PLATFORM_IMAGE_TAG");
      // As the runner sees it once the variable is expanded (CI_COMMIT_SHA).
      const expanded = argv.map((w) =>
        w.replace("$PLATFORM_IMAGE_TAG", "0123456789abcdef0123456789abcdef01234567"),
      );
      expect(parseImageArgs(expanded, FORMATS)).toMatchObject({ fromPlan: "out/ci" });
    }
    const stages = ci.stages as string[];
    expect(stages.indexOf(jobs["audit:images"]?.stage as string)).toBeLessThan(stages.indexOf("ephemeral"));
  });

  it("wires the ephemeral stack: environment with on_stop and auto_stop_in, dotenv report, stop job", () => {
    const up = jobs["ephemeral:up"] as Yaml;
    const env = up.environment as Record<string, string>;
    expect(env.on_stop).toBe("ephemeral:down");
    // One environment per merge request; each pipeline's stack is its latest deployment.
    expect(env.name).toBe("ephemeral/mr-$CI_MERGE_REQUEST_IID");
    expect(env.auto_stop_in).toMatch(/^\d+ hours?$/);
    const down = jobs["ephemeral:down"] as Yaml;
    expect(down.environment).toEqual({ name: env.name, action: "stop" });
    expect(down.stage).not.toBe(up.stage);
    expect((down.rules as Array<Record<string, string>>)[0]?.when).toBe("always");

    const { ephemeral: upCalls } = checkNpm(lines("ephemeral:up"), "ephemeral:up");
    expect(upCalls).toHaveLength(1);
    const argv = upCalls[0] ?? [];
    expect(argv[0]).toBe("up");
    expect(flag(argv, "--id")).toBe("$CI_PIPELINE_ID");
    expect(flag(argv, "--dotenv-format")).toBe("plain"); // GitLab keeps quotes in dotenv values
    expect((up.artifacts as { reports: { dotenv: string } }).reports.dotenv).toBe(flag(argv, "--dotenv"));
    expect(argv).not.toContain("--credentials"); // report variables are visible to later jobs

    // The TTL and the environment's auto-stop agree.
    const ttl = parseTtl(variables.EPHEMERAL_TTL ?? "");
    expect(flag(argv, "--ttl")).toBe("$EPHEMERAL_TTL");
    expect(Number(env.auto_stop_in?.split(" ")[0]) * 3_600_000).toBe(ttl);

    const { ephemeral: downCalls } = checkNpm(lines("ephemeral:down"), "ephemeral:down");
    expect(downCalls).toEqual([["down", "--id", "$CI_PIPELINE_ID"]]);
    expect((jobs.integration?.needs as string[]) ?? []).toContain("ephemeral:up");
  });

  it("deploys staging on the default branch and production manually, both through the policy pack", () => {
    const staging = ((jobs["deploy:staging"]?.rules ?? []) as Array<Record<string, string>>).map((r) => r.if);
    expect(staging).toContain('$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH && $CI_PIPELINE_SOURCE == "push"');
    const prodRules = jobs["deploy:production"]?.rules as Array<Record<string, string>>;
    expect(prodRules.find((r) => r.if?.includes("CI_DEFAULT_BRANCH"))?.when).toBe("manual");
    expect(prodRules[0]).toEqual({ if: "$CI_DEPLOY_FREEZE", when: "never" });
    // Production only after staging's post-deploy check (test/verify/ci-templates.test.ts).
    expect(jobs["deploy:production"]?.needs).toEqual(["verify:staging"]);
    expect(lines("deploy:production").join("\n")).toMatch(
      /pulumi up --stack prod --yes --policy-pack policies --policy-pack-config policy-config.prod.json/,
    );
    expect(lines("deploy:staging").join("\n")).toMatch(
      /pulumi up --stack staging --yes --policy-pack policies/,
    );
  });

  it("reaps on a schedule only", () => {
    expect(((jobs.reap?.rules ?? []) as Array<Record<string, string>>).map((r) => r.if)).toEqual([
      '$CI_PIPELINE_SOURCE == "schedule" && $PLATFORM_SCHEDULE == "reap"',
    ]);
    const { ephemeral } = checkNpm(lines("reap"), "reap");
    expect(ephemeral.map((a) => a[0])).toEqual(["list", "reap"]);
    for (const [name, job] of nonEmpty(Object.entries(jobs))) {
      if (name === "reap") continue;
      const rules = (job.rules as Array<Record<string, string>> | undefined) ?? hidden[".changes"]?.rules;
      expect(JSON.stringify(rules), name).not.toMatch(/"schedule"/);
    }
  });

  it("only runs npm scripts that package.json has", () => {
    for (const name of Object.keys(jobs)) checkNpm(lines(name), name);
  });
});

describe("GitHub Actions templates (ci/github/workflows)", () => {
  const dir = join(ROOT, "ci", "github", "workflows");
  const files = readdirSync(dir).filter((f) => f.endsWith(".yml"));
  const workflows = Object.fromEntries(
    files.map((f) => [f, loadTemplate(`ci/github/workflows/${f}`)]),
  ) as Record<string, Yaml>;
  type Step = { uses?: string; run?: string; with?: Record<string, unknown> };
  type Job = { if?: string; needs?: string[]; steps: Step[]; environment?: string; "runs-on": unknown };
  const jobsOf = (f: string) => (workflows[f]?.jobs ?? {}) as Record<string, Job>;
  const runs = (job: Job | undefined) =>
    (job?.steps ?? []).flatMap((s) => (s.run ? [s.run.replace(/\n/g, " ")] : []));

  it("are the pull-request, main, rollback, reaper and service-plan workflows, each with named jobs, steps and resolvable needs", () => {
    expect(files.sort()).toEqual([
      "main.yml",
      "pull-request.yml",
      "reaper.yml",
      "rollback.yml",
      "service-plan.yml",
    ]);
    for (const f of nonEmpty(files)) {
      expect(workflows[f]?.name, f).toEqual(expect.any(String));
      for (const [name, job] of nonEmpty(Object.entries(jobsOf(f)))) {
        expect(job["runs-on"], `${f} ${name}`).toBeDefined();
        expect(job.steps.length, `${f} ${name}`).toBeGreaterThan(0);
        for (const n of job.needs ?? [])
          expect(Object.keys(jobsOf(f)), `${f} ${name} needs ${n}`).toContain(n);
        checkNpm(runs(job), `${f} ${name}`);
      }
    }
  });

  it("pull requests: each stack's plan is diffed against the base branch, its summary.md commented, its findings in code scanning", () => {
    const plan = jobsOf("pull-request.yml").plan;
    const text = runs(plan).join("\n");
    expect(text).toMatch(
      /npm run plan -- --stack "\$\{\{ matrix.stack \}\}" --out out --diff "origin\/\$\{\{ github.base_ref \}\}"/,
    );
    expect(text).toMatch(/gh pr comment .* --body-file "out\/\$\{\{ matrix.stack \}\}\/summary.md"/);
    expect(text).toMatch(/summary.md" >> "\$GITHUB_STEP_SUMMARY"/);
    const sarif = plan?.steps.find((st) => st.uses?.startsWith("github/codeql-action/upload-sarif@"));
    expect(sarif?.with).toMatchObject({ sarif_file: `out/${ex("matrix.stack")}/policy-report.sarif` });
    expect((plan as unknown as { permissions: Record<string, string> }).permissions).toMatchObject({
      "security-events": "write",
      "pull-requests": "write",
    });
  });

  it("pull requests: every image of the ci stack is audited at the commit's tag before the ephemeral stack", () => {
    const jobs = jobsOf("pull-request.yml");
    expect(jobs.ephemeral?.needs).toContain("audit-images");
    const audit = runs(jobs["audit-images"]).filter((r) => r.includes("policy -- image"));
    expect(audit).toHaveLength(1);
    const argv = words(audit[0] ?? "").slice(5);
    expect(flag(argv, "--tag")).toBe(ex("github.event.pull_request.head.sha"));
    expect(
      parseImageArgs(
        argv.map((w) => w.replace(ex("github.event.pull_request.head.sha"), "0123abc")),
        FORMATS,
      ),
    ).toMatchObject({ fromPlan: "out/ci", tag: "0123abc" });
  });

  it("pull requests: preview with the policy pack, an ephemeral stack per pull request, cleanup on close", () => {
    const wf = workflows["pull-request.yml"] as Yaml;
    const on = wf.on as { pull_request: { types: string[] } };
    expect(on.pull_request.types).toEqual(
      expect.arrayContaining(["opened", "synchronize", "reopened", "closed"]),
    );
    const jobs = jobsOf("pull-request.yml");
    expect(runs(jobs.preview).join("\n")).toMatch(/pulumi preview --stack staging --policy-pack policies/);
    expect(runs(jobs.plan).join("\n")).toMatch(/npm run plan -- --stack "\$\{\{ matrix.stack \}\}"/);

    const up = checkNpm(runs(jobs.ephemeral), "ephemeral").ephemeral;
    expect(up).toHaveLength(1);
    expect(up[0]?.[0]).toBe("up");
    expect(flag(up[0] ?? [], "--id")).toBe(`pr-${ex("github.event.pull_request.number")}`);
    expect(parseTtl(flag(up[0] ?? [], "--ttl") ?? "")).toBeGreaterThan(0);
    expect(jobs.ephemeral?.if).toMatch(/github.event.action != 'closed'/);

    const down = checkNpm(runs(jobs.cleanup), "cleanup").ephemeral;
    expect(down).toEqual([["down", "--id", `pr-${ex("github.event.pull_request.number")}`]]);
    expect(jobs.cleanup?.if).toMatch(/github.event.action == 'closed'/);
    // The merge ref of a closed pull request may be gone: cleanup checks out the default branch.
    expect(jobs.cleanup?.steps[0]?.with?.ref).toBe(ex("github.event.repository.default_branch"));
    // The same group serialises up and cleanup of one pull request.
    expect((wf.concurrency as { group: string }).group).toMatch(/github.event.pull_request.number/);
  });

  it("main: staging, then production behind its environment, through the policy pack", () => {
    const wf = workflows["main.yml"] as Yaml;
    expect((wf.on as { push: { branches: string[] } }).push.branches).toEqual(["main"]);
    const jobs = jobsOf("main.yml");
    expect(jobs["deploy-staging"]?.needs).toEqual(["checks"]);
    expect(jobs["deploy-production"]?.needs).toEqual(["deploy-staging"]);
    expect(jobs["deploy-production"]?.environment).toBe("production");
    expect(runs(jobs["deploy-production"]).join("\n")).toMatch(
      /pulumi up --stack prod --yes --policy-pack policies/,
    );
  });

  it("reaper: scheduled, with a manual dry run", () => {
    const wf = workflows["reaper.yml"] as Yaml;
    const on = wf.on as { schedule: Array<{ cron: string }>; workflow_dispatch: unknown };
    expect(on.schedule[0]?.cron).toMatch(/^\S+ \S+ \S+ \S+ \S+$/);
    expect(on.workflow_dispatch).toBeDefined();
    const calls = checkNpm(runs(jobsOf("reaper.yml").reap), "reap").ephemeral;
    expect(calls).toEqual([["list"], ["reap"], ["reap", "--dry-run"]]);
    const steps = jobsOf("reaper.yml").reap?.steps ?? [];
    const guard = (run: string) => (steps.find((s) => s.run === run) as { if?: string } | undefined)?.if;
    expect(guard("npm run ephemeral -- reap")).toBe(ex("!inputs.dry_run"));
    expect(guard("npm run ephemeral -- reap --dry-run")).toBe(ex("inputs.dry_run"));
  });
});
