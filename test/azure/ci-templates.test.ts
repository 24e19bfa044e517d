import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { loadPackConfig } from "../../policies/runner/config";
import { nonEmpty } from "../helpers/non-empty";
import { ROOT } from "./helpers";

// The CI templates log in to Azure and run every preview and update through the policy pack:
// read off the parsed templates (and their raw text, for the pins' comments).

type Yaml = Record<string, unknown>;
type Step = {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  if?: string;
  env?: Record<string, string>;
};
type Job = { if?: string; steps: Step[]; permissions?: Record<string, string>; env?: Record<string, string> };

const sdkVersion = (
  JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
    dependencies: Record<string, string>;
  }
).dependencies["@pulumi/pulumi"];

/** A GitHub Actions expression as written in a workflow: ex("a.b") -> "${{ a.b }}". */
const ex = (expression: string) => `\${{ ${expression} }}`;

const githubDir = join(ROOT, "ci", "github", "workflows");
const workflows = readdirSync(githubDir)
  .filter((f) => f.endsWith(".yml"))
  .map((f) => ({ file: f, text: readFileSync(join(githubDir, f), "utf8") }))
  .map((w) => ({ ...w, doc: parse(w.text) as Yaml }));
const jobsOf = (doc: Yaml) => (doc.jobs ?? {}) as Record<string, Job>;
// `npm run verify` may roll back and `npm run rollback` updates: both reach the stack like `pulumi up`.
const STACK_COMMAND = /\bpulumi (preview|up|destroy)\b|npm run (ephemeral|verify|rollback)\b/;
const runsPulumi = (job: Job) => job.steps.some((s) => STACK_COMMAND.test(s.run ?? ""));

/** `pulumi preview|up --stack X ...` lines of a list of shell lines, with the stack. */
function pulumiCommands(lines: readonly string[]): Array<{ stack: string; line: string }> {
  return lines
    .flatMap((l) => l.split("\n"))
    .filter((l) => /^\s*pulumi (preview|up)\b/.test(l))
    .map((line) => ({ stack: /--stack (\S+)/.exec(line)?.[1] ?? "", line }));
}

/** Each preview/up passes the pack and the pack config the CLI wrote for that stack before it. */
function expectPackConfig(lines: readonly string[], where: string): number {
  const commands = pulumiCommands(lines);
  for (const { stack, line } of commands) {
    expect(stack, `${where}: ${line}`).not.toBe("");
    expect(line, where).toContain(`--policy-pack policies --policy-pack-config policy-config.${stack}.json`);
    const writes = `npm run --silent policy -- config --stack ${stack} > policy-config.${stack}.json`;
    const at = lines.findIndex((l) => l.includes(writes));
    expect(at, `${where}: ${writes} before ${line}`).toBeGreaterThanOrEqual(0);
    expect(at, where).toBeLessThan(lines.findIndex((l) => l.includes(line)));
  }
  return commands.length;
}

describe("GitHub Actions templates", () => {
  it("pin every action by commit SHA with its version in a comment", () => {
    let pins = 0;
    for (const w of nonEmpty(workflows)) {
      for (const line of nonEmpty(w.text.split("\n").filter((l) => /^\s*-?\s*uses:/.test(l)))) {
        // owner/repository[/path]@sha (an action in a subdirectory, e.g. codeql-action/upload-sarif).
        expect(line, w.file).toMatch(/uses: [\w.-]+\/[\w.-]+(\/[\w.-]+)*@[0-9a-f]{40} # v\d+(\.\d+)*$/);
        pins++;
      }
    }
    expect(pins).toBeGreaterThan(0);
  });

  // Workflows that run Pulumi (a reusable plan-only workflow runs none).
  const deploying = workflows.filter((w) => Object.values(jobsOf(w.doc)).some(runsPulumi));

  it("run the Pulumi CLI of the SDK's version", () => {
    expect(deploying.length).toBeGreaterThanOrEqual(3);
    for (const w of nonEmpty(deploying)) expect((w.doc.env as Yaml).PULUMI_VERSION, w.file).toBe(sdkVersion);
  });

  it("map the ARM_* login into the environment and log in with OIDC, kubelogin installed, in every job that reaches Azure", () => {
    let azureJobs = 0;
    for (const w of nonEmpty(deploying)) {
      const env = w.doc.env as Record<string, string>;
      expect(env.ARM_USE_OIDC, w.file).toBe("true");
      for (const v of ["CLIENT_ID", "TENANT_ID", "SUBSCRIPTION_ID"]) {
        expect(env[`ARM_${v}`], w.file).toBe(ex(`vars.AZURE_${v}`));
      }
      for (const [name, job] of nonEmpty(Object.entries(jobsOf(w.doc)))) {
        if (!runsPulumi(job)) continue;
        azureJobs++;
        const where = `${w.file} ${name}`;
        expect(job.permissions?.["id-token"], where).toBe("write");
        const uses = job.steps.map((s) => s.uses?.split("@")[0] ?? "");
        const login = uses.indexOf("azure/login");
        const kubelogin = uses.indexOf("Azure/use-kubelogin");
        const firstPulumi = job.steps.findIndex((s) => STACK_COMMAND.test(s.run ?? ""));
        expect(login, where).toBeGreaterThanOrEqual(0);
        expect(kubelogin, where).toBeGreaterThanOrEqual(0);
        expect(Math.max(login, kubelogin), where).toBeLessThan(firstPulumi);
        expect(job.steps[login]?.with, where).toEqual({
          "client-id": ex("vars.AZURE_CLIENT_ID"),
          "tenant-id": ex("vars.AZURE_TENANT_ID"),
          "subscription-id": ex("vars.AZURE_SUBSCRIPTION_ID"),
        });
        expect(job.steps[login]?.with?.["client-secret"], where).toBeUndefined();
      }
    }
    expect(azureJobs).toBeGreaterThanOrEqual(5);
  });

  it("accept a manual run (workflow_dispatch) only on the default branch", () => {
    const dispatched = workflows.filter((w) => (w.doc.on as Yaml).workflow_dispatch !== undefined);
    expect(dispatched.length).toBeGreaterThan(0);
    for (const w of nonEmpty(dispatched)) {
      for (const [name, job] of nonEmpty(Object.entries(jobsOf(w.doc)))) {
        expect(job.if, `${w.file} ${name}`).toContain(
          "github.ref == format('refs/heads/{0}', github.event.repository.default_branch)",
        );
      }
    }
  });

  it("pass the pack's config to every preview and update", () => {
    let commands = 0;
    for (const w of nonEmpty(workflows)) {
      for (const [name, job] of nonEmpty(Object.entries(jobsOf(w.doc)))) {
        commands += expectPackConfig(
          job.steps.map((s) => s.run ?? ""),
          `${w.file} ${name}`,
        );
      }
    }
    expect(commands).toBeGreaterThanOrEqual(3);
  });

  it("comment the preview's diff summary and policy findings on the pull request", () => {
    const pr = workflows.find((w) => w.file === "pull-request.yml");
    const preview = jobsOf(pr?.doc ?? {}).preview as Job;
    expect(preview.permissions?.["pull-requests"]).toBe("write");
    const at = preview.steps.findIndex((s) => /pulumi preview/.test(s.run ?? ""));
    expect(preview.steps[at]?.run).toMatch(/\| tee preview\.txt/);
    const comment = preview.steps.find((s) => /gh pr comment/.test(s.run ?? "")) as Step;
    expect(comment.if).toMatch(/always\(\)/);
    expect(comment.run).toMatch(/Policies\|Policy Violations\|Resources/);
    expect(comment.run).toContain("--edit-last --create-if-none");
  });

  const actionlint = [join(homedir(), "go", "bin", "actionlint"), "/usr/local/bin/actionlint"].find(
    existsSync,
  );
  it.skipIf(!actionlint)("pass actionlint", () => {
    const files = workflows.map((w) => join(githubDir, w.file));
    const run = spawnSync(actionlint as string, ["-no-color", ...files], { encoding: "utf8" });
    expect(run.stdout + run.stderr).toBe("");
    expect(run.status).toBe(0);
  });
});

describe("GitLab template", () => {
  const text = readFileSync(join(ROOT, "ci", "gitlab", "platform.gitlab-ci.yml"), "utf8");
  const ci = parse(text) as Record<string, Yaml>;
  const variables = ci.variables as Record<string, string>;
  const reserved = new Set(["workflow", "stages", "variables", "default", "include"]);
  const jobs = Object.entries(ci).filter(([k]) => !reserved.has(k) && !k.startsWith("."));
  const extendsOf = (job: Yaml): string[] => {
    const direct = ([] as string[]).concat((job.extends as string | string[] | undefined) ?? []);
    return direct.flatMap((e) => [e, ...extendsOf(ci[e] ?? {})]);
  };
  const lines = (job: Yaml): string[] => {
    const own = (k: string) =>
      (job[k] as string[] | undefined) ??
      extendsOf(job)
        .map((e) => ci[e]?.[k] as string[] | undefined)
        .find(Boolean) ??
      ((ci.default as Yaml)[k] as string[] | undefined) ??
      [];
    return [...own("before_script"), ...own("script"), ...own("after_script")];
  };
  const reachesAzure = (job: Yaml) =>
    lines(job).some((l) =>
      /pulumi (preview|up)|npm run ephemeral -- (up|down|reap)|npm run (verify|rollback) --/.test(l),
    );

  it("runs the Pulumi CLI of the SDK's version", () => {
    expect(variables.PULUMI_VERSION).toBe(sdkVersion);
  });

  it("logs in with the job's id_token as ARM_OIDC_TOKEN, and hands it to kubelogin, in every job that reaches Azure", () => {
    expect(ci[".azure"]?.id_tokens).toEqual({ ARM_OIDC_TOKEN: { aud: "api://AzureADTokenExchange" } });
    expect((ci[".azure"]?.variables as Yaml | undefined)?.ARM_USE_OIDC).toBe("true");
    const azure = jobs.filter(([, job]) => reachesAzure(job));
    expect(azure.length).toBeGreaterThanOrEqual(5);
    for (const [name, job] of nonEmpty(azure)) {
      expect(extendsOf(job), name).toContain(".azure");
      expect(lines(job), name).toContain(". ci/gitlab/azure-oidc.sh");
    }
    expect(text).not.toMatch(/ARM_CLIENT_SECRET:/);
  });

  it("installs kubelogin with a checked checksum and gives it the token as a file (script run with a stub kubelogin)", () => {
    const script = join(ROOT, "ci", "gitlab", "azure-oidc.sh");
    expect(readFileSync(script, "utf8")).toContain(`\${KUBELOGIN_VERSION}`);
    expect(variables.KUBELOGIN_VERSION).toMatch(/^v\d+\.\d+\.\d+$/);
    expect(readFileSync(script, "utf8")).toMatch(/sha256sum -c -/);
    const bin = mkdtempSync(join(tmpdir(), "kubelogin-stub-"));
    writeFileSync(join(bin, "kubelogin"), "#!/bin/sh\nexit 0\n", { mode: 0o755 });
    const out = execFileSync(
      "bash",
      [
        "-c",
        `. "${script}" && printf '%s|%s|%s|%s' "$AZURE_CLIENT_ID" "$AZURE_TENANT_ID" "$AZURE_AUTHORITY_HOST" "$(cat "$AZURE_FEDERATED_TOKEN_FILE")"`,
      ],
      {
        encoding: "utf8",
        env: {
          PATH: `${bin}:/usr/bin:/bin`,
          ARM_OIDC_TOKEN: "header.payload.sig",
          ARM_CLIENT_ID: "cid",
          ARM_TENANT_ID: "tid",
        },
      },
    );
    expect(out).toBe("cid|tid|https://login.microsoftonline.com/|header.payload.sig");
  });

  it("keeps one environment per merge request, stopped by the job that destroys the pipeline's stack", () => {
    const up = ci["ephemeral:up"] as Yaml;
    const down = ci["ephemeral:down"] as Yaml;
    const env = up.environment as Record<string, string>;
    expect(env.name).toBe("ephemeral/mr-$CI_MERGE_REQUEST_IID");
    expect(down.environment).toEqual({ name: env.name, action: "stop" });
  });

  it("destroys a cancelled pipeline's stack at once, not at the TTL", () => {
    const up = ci["ephemeral:up"] as Yaml;
    const after = (up.after_script as string[]).join("\n");
    expect(after).toMatch(/if \[ "\$CI_JOB_STATUS" = "canceled" \]/);
    const id = /npm run ephemeral -- up --id "([^"]+)"/.exec((up.script as string[]).join("\n"))?.[1];
    expect(after).toContain(`npm run ephemeral -- down --id "${id}"`);
  });

  it("lets a newer pipeline interrupt read-only jobs, never a job that changes a stack", () => {
    expect((ci.default as Yaml).interruptible).toBe(true);
    const changing = jobs.filter(([, job]) =>
      lines(job).some((l) =>
        /pulumi up|npm run ephemeral -- (up|down|reap)|npm run (verify|rollback) --/.test(l),
      ),
    );
    expect(changing.length).toBeGreaterThanOrEqual(4);
    for (const [name, job] of nonEmpty(changing)) expect(job.interruptible, name).toBe(false);
  });

  it("passes the pack's config to every preview and update", () => {
    let commands = 0;
    for (const [name, job] of nonEmpty(jobs)) commands += expectPackConfig(lines(job), name);
    expect(commands).toBeGreaterThanOrEqual(3);
  });

  it("posts the preview's summary and policy findings as a merge-request note", () => {
    const preview = ci["preview:staging"] as Yaml;
    expect((preview.script as string[]).join("\n")).toMatch(/\| tee preview\.txt/);
    const after = (preview.after_script as string[]).join("\n");
    expect(after).toContain(
      "$CI_API_V4_URL/projects/$CI_PROJECT_ID/merge_requests/$CI_MERGE_REQUEST_IID/notes",
    );
    expect(after).toContain("PRIVATE-TOKEN: $PLATFORM_NOTES_TOKEN");
    expect(after).toMatch(/Policies\|Policy Violations\|Resources/);
  });

  it("deploys, checks and rolls back production with its own, protected identity", () => {
    const prod = jobs.filter(
      ([, job]) => reachesAzure(job) && lines(job).some((l) => /--stack prod\b/.test(l)),
    );
    expect(prod.map(([name]) => name)).toEqual(
      expect.arrayContaining(["deploy:production", "verify:production", "rollback:production"]),
    );
    for (const [name, job] of prod)
      expect((job.variables as Yaml).ARM_CLIENT_ID, name).toBe("$PROD_ARM_CLIENT_ID");
    expect(text).toMatch(/PROD_ARM_CLIENT_ID\s+protected/);
  });
});

describe("docs/azure.md", () => {
  const doc = readFileSync(join(ROOT, "docs", "azure.md"), "utf8");
  const shell = [...doc.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((m) => (m[1] ?? "").split("\n"));

  it("shows the pack-config command the templates run, and it prints the pack's config for the stack", () => {
    const line = shell.find((l) => l.startsWith("npm run --silent policy -- config --stack staging"));
    expect(line).toBe("npm run --silent policy -- config --stack staging > policy-config.staging.json");
    const out = execFileSync("npm", ["run", "--silent", "policy", "--", "config", "--stack", "staging"], {
      cwd: ROOT,
      encoding: "utf8",
    });
    expect(JSON.parse(out)).toEqual(JSON.parse(JSON.stringify(loadPackConfig("staging"))));
    const workflows = readdirSync(githubDir).map((f) => readFileSync(join(githubDir, f), "utf8"));
    expect(workflows.some((w) => w.includes(line as string))).toBe(true);
  }, 60_000);
});

describe("GitLab template for service repositories", () => {
  const text = readFileSync(join(ROOT, "ci", "gitlab", "service-repository.gitlab-ci.yml"), "utf8");
  const ci = parse(text) as Record<string, Yaml>;
  const platform = parse(
    readFileSync(join(ROOT, "ci", "gitlab", "platform.gitlab-ci.yml"), "utf8"),
  ) as Record<string, Yaml>;
  const jobs = Object.entries(ci).filter(([k]) => !["stages", "variables"].includes(k) && !k.startsWith("."));
  const extendsOf = (job: Yaml): string[] => {
    const direct = ([] as string[]).concat((job.extends as string | string[] | undefined) ?? []);
    return direct.flatMap((e) => [e, ...extendsOf(ci[e] ?? {})]);
  };
  /** before_script (the job's own, or the nearest hidden job's) then script. */
  const lines = (job: Yaml): string[] => [
    ...((job.before_script as string[] | undefined) ??
      extendsOf(job)
        .map((e) => ci[e]?.before_script as string[] | undefined)
        .find(Boolean) ??
      []),
    ...((job.script as string[] | undefined) ?? []),
  ];
  const reachesAzure = (job: Yaml) =>
    lines(job).some((l) => /npm run ephemeral -- (up|down)|pulumi (preview|up)/.test(l));

  it("runs the Pulumi CLI of the SDK's version, and the platform template's kubelogin", () => {
    expect((ci.variables as Yaml).PULUMI_VERSION).toBe(sdkVersion);
    expect((ci.variables as Yaml).KUBELOGIN_VERSION).toBe((platform.variables as Yaml).KUBELOGIN_VERSION);
  });

  it("logs in like the platform's pipeline (id_token as ARM_OIDC_TOKEN, kubelogin) in every job that reaches Azure", () => {
    const azure = ci[".platform-azure"] as Yaml;
    expect(azure.id_tokens).toEqual(platform[".azure"]?.id_tokens);
    expect(azure.variables).toEqual(platform[".azure"]?.variables);
    const reaching = jobs.filter(([, job]) => reachesAzure(job));
    expect(reaching.map(([name]) => name).sort()).toEqual([
      "platform:ephemeral:down",
      "platform:ephemeral:up",
    ]);
    for (const [name, job] of reaching) {
      expect(extendsOf(job), name).toContain(".platform-azure");
      const all = lines(job);
      // The platform checkout's own login script, sourced after `cd` into it and before any CLI call.
      const cd = all.indexOf('cd "$CI_PROJECT_DIR/.platform"');
      const login = all.indexOf(". ci/gitlab/azure-oidc.sh");
      const ephemeral = all.findIndex((l) => l.startsWith("npm run ephemeral"));
      expect(cd, name).toBeGreaterThanOrEqual(0);
      expect(login, name).toBeGreaterThan(cd);
      expect(ephemeral, name).toBeGreaterThan(login);
      expect(job.interruptible, name).toBe(false);
    }
    // The offline plan gets no token.
    const plan = ci["platform:plan"] as Yaml;
    expect(extendsOf(plan)).not.toContain(".platform-azure");
    expect(plan.interruptible).toBe(true);
    expect(text).not.toMatch(/ARM_CLIENT_SECRET:/);
  });
});

describe("GitHub reusable workflow for service repositories", () => {
  it("plans offline only: no Azure login and no id-token permission, and says why", () => {
    const w = workflows.find((x) => x.file === "service-plan.yml");
    if (!w) throw new Error("ci/github/workflows/service-plan.yml is missing");
    expect(w.text).toContain("The plan is offline");
    expect(JSON.stringify(w.doc.permissions)).not.toContain("id-token");
    for (const job of Object.values(jobsOf(w.doc))) {
      expect(runsPulumi(job)).toBe(false);
      expect(job.steps.some((s) => s.uses?.startsWith("azure/login"))).toBe(false);
    }
  });
});
