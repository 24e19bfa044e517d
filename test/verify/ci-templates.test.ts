import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { MIN_JUSTIFICATION } from "../../policies/lib/report";
import { parseCommandLine as parseNotify, WEBHOOK_ENV } from "../../stacks/notify/cli";
import { parseCommandLine as parseRollback } from "../../stacks/rollback/cli";
import { parseCommandLine as parseVerify } from "../../stacks/verify/cli";
import { loadTemplate, type Yaml } from "../ephemeral/template-yaml";
import { expandArgv, npmCalls, words } from "../helpers/ci-commands";

// Release safety in both CI templates: a post-deploy check after every `pulumi up` of a stack, a
// manual rollback of each deployed stack, and a deploy notification when each of them ends. The
// stacks come from the templates' own `pulumi up` lines; every command line is run through the
// argument parser of its CLI, with the templates' variables expanded as the runner would.

const ROOT = join(__dirname, "..", "..");

/** Sample values of what the CI sets at run time, for the parsers. */
const GITLAB_RUNTIME = {
  CI_JOB_STATUS: "failed",
  CI_COMMIT_SHORT_SHA: "0123abcd",
  CI_PIPELINE_URL: "https://gitlab.example.com/g/p/-/pipelines/1",
  CI_PIPELINE_ID: "1",
};

/** The stacks a list of shell lines updates with `pulumi up --stack X`. */
function upStacks(lines: readonly string[]): string[] {
  return lines.flatMap((l) => l.split("\n")).flatMap((l) => /^\s*pulumi up --stack (\S+)/.exec(l)?.[1] ?? []);
}

describe("GitLab template: after every pulumi up", () => {
  const ci = loadTemplate("ci/gitlab/platform.gitlab-ci.yml");
  const variables = ci.variables as Record<string, string>;
  const jobs = Object.entries(ci).filter(
    ([k, v]) => !k.startsWith(".") && typeof v === "object" && v !== null && "script" in v,
  ) as Array<[string, Yaml]>;
  const job = (name: string) => (ci[name] ?? {}) as Yaml;
  const script = (j: Yaml) => (j.script as string[] | undefined) ?? [];
  const afterScript = (j: Yaml) => (j.after_script as string[] | undefined) ?? [];
  const vars = (j: Yaml, runtime: Record<string, string> = GITLAB_RUNTIME) => ({
    ...variables,
    ...((j.variables as Record<string, string> | undefined) ?? {}),
    ...runtime,
  });
  const deploys = jobs.flatMap(([name, j]) => upStacks(script(j)).map((stack) => ({ name, job: j, stack })));
  const needs = (j: Yaml) =>
    ((j.needs as Array<string | { job: string }> | undefined) ?? []).map((n) =>
      typeof n === "string" ? n : n.job,
    );
  const rules = (j: Yaml) => (j.rules as Array<Record<string, unknown>> | undefined) ?? [];

  it("deploys staging and prod", () => {
    expect(deploys.map((d) => d.stack).sort()).toEqual(["prod", "staging"]);
  });

  it.each(["staging", "prod"])(
    "checks %s in a job that needs its deploy, with what a rollback needs",
    (stack) => {
      const deploy = deploys.find((d) => d.stack === stack);
      if (!deploy) throw new Error(`no pulumi up of ${stack}`);
      const checks = jobs.filter(
        ([, j]) =>
          needs(j).includes(deploy.name) &&
          npmCalls(script(j), "verify").some(
            (c) => parseVerify(expandArgv(c.argv, c.line, vars(j))) !== "help",
          ),
      );
      expect(checks.map(([n]) => n)).toHaveLength(1);
      const [name, check] = checks[0] as [string, Yaml];
      const call = npmCalls(script(check), "verify")[0];
      const args = parseVerify(expandArgv(call?.argv ?? [], call?.line ?? "", vars(check)));
      expect(args).toMatchObject({ stack, windowSeconds: Number(variables.VERIFY_WINDOW) });
      // Its exit code survives the `| tee`.
      const at = script(check).findIndex((l) => l === call?.line);
      if (call?.line.includes("|")) expect(script(check).slice(0, at)).toContain("set -o pipefail");
      // A failed check may roll back: the same login, identity, lock and environment as the deploy.
      expect([check.extends].flat(), name).toContain(".pulumi");
      expect(check.interruptible, name).toBe(false);
      expect(check.resource_group, name).toBe(deploy.job.resource_group);
      expect((vars(check) as Record<string, string>).ARM_CLIENT_ID).toBe(vars(deploy.job).ARM_CLIENT_ID);
      expect((check.environment as Yaml).name).toBe((deploy.job.environment as Yaml).name);
      expect((check.environment as Yaml).action).toBe("verify"); // no deployment, no approval
      // It runs whenever the deploy ran: never manual of its own.
      expect(rules(check).map((r) => r.when)).not.toContain("manual");
      expect(rules(check).map((r) => r.if)).toEqual(rules(deploy.job).map((r) => r.if));
      // An automatic rollback of production is not held back by the deploy window.
      if (stack === "prod") {
        const reason = String(vars(check).PLATFORM_DEPLOY_WINDOW_OVERRIDE ?? "");
        expect(reason.length).toBeGreaterThanOrEqual(MIN_JUSTIFICATION);
      }
    },
  );

  it("deploys production only after staging's check passed", () => {
    const staging = deploys.find((d) => d.stack === "staging");
    const prod = deploys.find((d) => d.stack === "prod");
    const stagingCheck = jobs.find(
      ([, j]) => needs(j).includes(staging?.name ?? "") && npmCalls(script(j), "verify").length > 0,
    );
    expect(needs(prod?.job ?? {})).toContain(stagingCheck?.[0]);
    expect(rules(prod?.job ?? {}).some((r) => r.when === "manual")).toBe(true);
  });

  it.each(["staging", "prod"])(
    "rolls %s back from a manual job with flags the rollback CLI accepts, in the deploy's environment",
    (stack) => {
      const deploy = deploys.find((d) => d.stack === stack);
      const rollbacks = jobs.filter(([, j]) =>
        npmCalls(script(j), "rollback").some((c) => {
          const a = parseRollback(expandArgv(c.argv, c.line, vars(j)));
          return a !== "help" && a.stack === stack;
        }),
      );
      expect(rollbacks).toHaveLength(1);
      const [name, j] = rollbacks[0] as [string, Yaml];
      const call = npmCalls(script(j), "rollback")[0];
      expect(parseRollback(expandArgv(call?.argv ?? [], call?.line ?? "", vars(j)))).toMatchObject({
        stack,
        steps: 1,
        acceptSchema: false,
        dryRun: false,
      });
      // The other values a person sets when running the job.
      for (const other of ["--to 2026.11.3", "--steps 3 --accept-schema", "--dry-run"]) {
        const argv = expandArgv(
          call?.argv ?? [],
          call?.line ?? "",
          vars(j, { PLATFORM_ROLLBACK_ARGS: other }),
        );
        expect(() => parseRollback(argv), other).not.toThrow();
      }
      expect(rules(j).length, name).toBeGreaterThan(0);
      for (const r of rules(j)) expect(r.when, name).toBe("manual");
      // Revert first: a deploy freeze does not stop a rollback.
      expect(JSON.stringify(rules(j))).not.toContain("CI_DEPLOY_FREEZE");
      expect(j.resource_group).toBe(deploy?.job.resource_group);
      expect((j.environment as Yaml).name).toBe(((deploy?.job.environment ?? {}) as Yaml).name);
      expect(vars(j).ARM_CLIENT_ID).toBe(vars(deploy?.job ?? {}).ARM_CLIENT_ID);
      expect(j.interruptible).toBe(false);
    },
  );

  it("notifies when a deploy fails and when a check or a rollback ends, success or failure", () => {
    const ends = jobs.filter(
      ([, j]) =>
        upStacks(script(j)).length > 0 ||
        npmCalls(script(j), "verify").length > 0 ||
        npmCalls(script(j), "rollback").length > 0,
    );
    expect(ends.length).toBe(6);
    for (const [name, j] of ends) {
      const phase =
        upStacks(script(j)).length > 0
          ? "deploy"
          : npmCalls(script(j), "verify").length > 0
            ? "verify"
            : "rollback";
      const calls = npmCalls(afterScript(j), "notify");
      expect(calls, name).toHaveLength(1);
      for (const status of ["success", "failed", "canceled"]) {
        const parsed = parseNotify(
          expandArgv(
            calls[0]?.argv ?? [],
            calls[0]?.line ?? "",
            vars(j, { ...GITLAB_RUNTIME, CI_JOB_STATUS: status }),
          ),
        );
        expect(parsed, name).toMatchObject({ phase, ref: GITLAB_RUNTIME.CI_COMMIT_SHORT_SHA });
      }
      const stack = upStacks(script(j))[0] ?? (parseVerifyOrRollback(j) as string);
      expect(parseNotify(expandArgv(calls[0]?.argv ?? [], calls[0]?.line ?? "", vars(j)))).toMatchObject({
        stack,
      });
      if (phase === "deploy") {
        // The check announces a successful update; the deploy job only its failure.
        expect(afterScript(j).join("\n")).toContain('if [ "$CI_JOB_STATUS" != "success" ]');
      } else {
        // The details are the step's own output.
        const tee = /\| tee (\S+)$/.exec(
          script(j).find((l) => /npm run (verify|rollback)/.test(l)) ?? "",
        )?.[1];
        expect(words(calls[0]?.line ?? "")).toContain(tee);
      }
    }
  });

  function parseVerifyOrRollback(j: Yaml): string | undefined {
    for (const [script_, parse] of [
      ["verify", parseVerify],
      ["rollback", parseRollback],
    ] as const) {
      const c = npmCalls(script(j), script_)[0];
      if (!c) continue;
      const a = parse(expandArgv(c.argv, c.line, vars(j)));
      if (a !== "help") return a.stack;
    }
    return undefined;
  }

  it(`documents ${WEBHOOK_ENV} as a masked variable`, () => {
    const header = loadText("ci/gitlab/platform.gitlab-ci.yml");
    expect(header).toMatch(new RegExp(`#\\s+${WEBHOOK_ENV}\\s+masked`));
  });

  it("the check job's notification line runs as written and posts the failing service", async () => {
    const j = job(
      jobs.find(([, x]) => npmCalls(script(x), "verify").some((c) => c.argv.includes("prod")))?.[0] ?? "",
    );
    const line = afterScript(j).find((l) => l.includes("npm run notify")) as string;
    const dir = mkdtempSync(join(tmpdir(), "notify-line-"));
    writeFileSync(join(dir, "verify.log"), "verify prod: FAILED catalog (readiness): HTTP 503\n");
    const bodies: Array<Record<string, unknown>> = [];
    const server = createServer((req, res) => {
      let data = "";
      req.on("data", (c) => {
        data += c;
      });
      req.on("end", () => {
        bodies.push(JSON.parse(data));
        res.end();
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const hook = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
      const run = await new Promise<{ status: number | null; out: string }>((resolve) => {
        const child = spawn("sh", ["-c", line.replace(/--details-file (\S+)/, `--details-file ${dir}/$1`)], {
          cwd: ROOT,
          env: { ...process.env, ...GITLAB_RUNTIME, [WEBHOOK_ENV]: hook },
        });
        let out = "";
        child.stdout.on("data", (d: Buffer) => {
          out += d;
        });
        child.stderr.on("data", (d: Buffer) => {
          out += d;
        });
        child.on("close", (status: number | null) => resolve({ status, out }));
      });
      expect(run.status, run.out).toBe(0);
      expect(bodies).toHaveLength(1);
      expect(bodies[0]).toMatchObject({ stack: "prod", phase: "verify", status: "failure" });
      expect(String(bodies[0]?.text)).toContain("FAILED catalog (readiness)");
      expect(run.out).not.toContain(hook);
    } finally {
      server.close();
    }
  }, 60_000);
});

function loadText(relative: string): string {
  return readFileSync(join(ROOT, relative), "utf8");
}

describe("GitHub templates: after every pulumi up", () => {
  type Step = {
    id?: string;
    name?: string;
    run?: string;
    if?: string;
    env?: Record<string, string>;
    shell?: string;
  };
  type Job = {
    if?: string;
    "runs-on": string;
    environment?: string;
    concurrency?: { group: string };
    env?: Record<string, string>;
    steps: Step[];
  };
  const main = loadTemplate("ci/github/workflows/main.yml");
  const rollback = loadTemplate("ci/github/workflows/rollback.yml");
  const env = (wf: Yaml, j: Job, s?: Step) => ({
    ...((wf.env as Record<string, string>) ?? {}),
    ...(j.env ?? {}),
    ...(s?.env ?? {}),
  });
  const mainJobs = Object.entries(main.jobs as Record<string, Job>);
  const deploys = mainJobs.flatMap(([name, j]) =>
    upStacks(j.steps.map((s) => s.run ?? "")).map((stack) => ({ name, job: j, stack })),
  );
  const ex = (e: string) => `\${{ ${e} }}`;

  it.each(["staging", "prod"])(
    "checks %s right after its pulumi up, then notifies whatever happened",
    (stack) => {
      const d = deploys.find((x) => x.stack === stack);
      if (!d) throw new Error(`no pulumi up of ${stack}`);
      const steps = d.job.steps;
      const up = steps.findIndex((s) => upStacks([s.run ?? ""]).length > 0);
      const check = steps[up + 1] as Step;
      const call = npmCalls([check.run ?? ""], "verify")[0];
      expect(call, `${d.name}: the step after pulumi up`).toBeDefined();
      const vars = env(main, d.job, check);
      expect(parseVerify(expandArgv(call?.argv ?? [], call?.line ?? "", vars))).toMatchObject({
        stack,
        windowSeconds: Number(vars.VERIFY_WINDOW),
      });
      // GitHub's default bash runs with -o pipefail: the check's exit code survives `| tee`.
      expect(check.shell).toBeUndefined();
      if (stack === "prod")
        expect(String(vars.PLATFORM_DEPLOY_WINDOW_OVERRIDE).length).toBeGreaterThanOrEqual(MIN_JUSTIFICATION);
      // The check calls cluster-internal URLs.
      expect(d.job["runs-on"]).toContain("vars.PLATFORM_RUNNER");

      const notify = steps.slice(up + 2).find((s) => npmCalls([s.run ?? ""], "notify").length > 0) as Step;
      expect(notify.if).toBe("always()");
      expect(notify.env?.[WEBHOOK_ENV]).toBe(ex(`secrets.${WEBHOOK_ENV}`));
      expect(notify.env?.PHASE).toBe(ex(`steps.${check.id}.outcome == 'skipped' && 'deploy' || 'verify'`));
      expect(notify.env?.STATUS).toBe(ex("job.status"));
      const n = npmCalls([notify.run ?? ""], "notify")[0];
      for (const [PHASE, STATUS] of [
        ["deploy", "failure"],
        ["verify", "success"],
        ["verify", "cancelled"],
      ] as const)
        expect(
          parseNotify(
            expandArgv(n?.argv ?? [], n?.line ?? "", { ...env(main, d.job, notify), PHASE, STATUS }),
          ),
        ).toMatchObject({ stack, phase: PHASE });
      expect(words(n?.line ?? "")).toContain(/\| tee (\S+)$/.exec(check.run ?? "")?.[1]);
    },
  );

  it("rolls back from a manual run on the default branch only, in the deployed stack's environment and lock", () => {
    const on = rollback.on as Record<
      string,
      { inputs: Record<string, { options?: string[]; default?: string }> }
    >;
    expect(Object.keys(on)).toEqual(["workflow_dispatch"]);
    const stacks = on.workflow_dispatch?.inputs.stack?.options ?? [];
    expect([...stacks].sort()).toEqual(deploys.map((d) => d.stack).sort());
    const jobs = Object.values(rollback.jobs as Record<string, Job>);
    expect(jobs).toHaveLength(1);
    const j = jobs[0] as Job;
    expect(j.if).toBe("github.ref == format('refs/heads/{0}', github.event.repository.default_branch)");
    const pick = (expression: string | undefined, stack: string) => {
      const m = /^\$\{\{ inputs\.stack == '(\w+)' && '([\w-]+)' \|\| '([\w-]+)' \}\}$/.exec(expression ?? "");
      if (!m) throw new Error(`unexpected expression ${expression}`);
      return stack === m[1] ? m[2] : m[3];
    };
    const step = j.steps.find((s) => npmCalls([s.run ?? ""], "rollback").length > 0) as Step;
    const call = npmCalls([step.run ?? ""], "rollback")[0];
    for (const stack of stacks) {
      const d = deploys.find((x) => x.stack === stack);
      // Production's protection rules (required reviewers) approve the rollback; one lock per stack.
      expect(pick(j.environment, stack)).toBe(d?.job.environment);
      expect(pick(j.concurrency?.group, stack)).toBe(d?.job.concurrency?.group);
      const vars = {
        ...env(rollback, j, step),
        ROLLBACK_STACK: stack,
        ROLLBACK_ARGS: on.workflow_dispatch?.inputs.arguments?.default ?? "",
      };
      expect(j.env?.ROLLBACK_ARGS).toBe(ex("inputs.arguments"));
      expect(parseRollback(expandArgv(call?.argv ?? [], call?.line ?? "", vars))).toMatchObject({
        stack,
        steps: 1,
      });
      for (const other of ["--to 2026.11.3", "--steps 2 --accept-schema", "--dry-run"])
        expect(() =>
          parseRollback(expandArgv(call?.argv ?? [], call?.line ?? "", { ...vars, ROLLBACK_ARGS: other })),
        ).not.toThrow();
    }
    // The arguments are split into flags, never evaluated as shell code.
    expect(step.run).toMatch(/^set -f$/m);
    const notify = j.steps.at(-1) as Step;
    expect(notify.if).toBe("always()");
    const n = npmCalls([notify.run ?? ""], "notify")[0];
    expect(
      parseNotify(
        expandArgv(n?.argv ?? [], n?.line ?? "", {
          ...env(rollback, j, notify),
          ROLLBACK_STACK: "prod",
          STATUS: "failure",
        }),
      ),
    ).toMatchObject({ stack: "prod", phase: "rollback", status: "failure" });
  });
});

describe("the notify script", () => {
  it("is what the templates call", () => {
    const out = spawnSync("npm", ["run", "--silent", "notify", "--", "--help"], {
      cwd: ROOT,
      encoding: "utf8",
    });
    expect(out.stdout).toContain(WEBHOOK_ENV);
  }, 60_000);
});
