import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SERVICE_SPECS_ENV, specFilesFromEnv } from "../../infra/catalog/load";
import { parseCommandLine } from "../../stacks/ephemeral/args";
import { parsePlanArgs } from "../../tools/plan/args";
import { catalog } from "../helpers/catalog";
import { nonEmpty } from "../helpers/non-empty";
import { harness, ROOT } from "./helpers";
import { loadTemplate, type Yaml } from "./template-yaml";

// The CI templates a service repository includes to plan the platform with the spec it keeps,
// and the same flag on `npm run ephemeral -- up`: the templates parse, their command lines are
// the CLIs' own, and the plan line runs as written.

const FIXTURE = join(ROOT, "test", "platform", "fixtures", "service-specs", "newsletter.yaml");

/** Splits a shell command line into words, honouring single and double quotes. */
function words(line: string): string[] {
  const re = /"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g;
  return [...line.matchAll(re)].map((m) => m[1] ?? m[2] ?? m[3] ?? "");
}

/** The arguments after `npm run <script> --` in a shell line. */
function argsOf(line: string, script: string): string[] | undefined {
  const w = words(line);
  return w[0] === "npm" && w[1] === "run" && w[2] === script && w[3] === "--" ? w.slice(4) : undefined;
}

/** A GitHub Actions expression as written in a workflow: ex("a.b") -> "${{ a.b }}". */
const ex = (expression: string) => `\${{ ${expression} }}`;

function flag(argv: readonly string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

describe("GitLab template for service repositories (ci/gitlab/service-repository.gitlab-ci.yml)", () => {
  const ci = loadTemplate("ci/gitlab/service-repository.gitlab-ci.yml");
  const variables = ci.variables as Record<string, string>;
  const jobs = Object.fromEntries(
    Object.entries(ci).filter(([k]) => !["stages", "variables"].includes(k) && !k.startsWith(".")),
  ) as Record<string, Yaml>;
  const hidden = ci[".platform-checkout"] as Yaml;
  const script = (name: string) => (jobs[name]?.script as string[]) ?? [];

  it("has a plan job and an ephemeral stack with its stop job, in declared stages, extending the checkout", () => {
    expect(Object.keys(jobs).sort()).toEqual([
      "platform:ephemeral:down",
      "platform:ephemeral:up",
      "platform:plan",
    ]);
    for (const [name, job] of nonEmpty(Object.entries(jobs))) {
      expect(ci.stages as string[], name).toContain(job.stage);
      // The ephemeral jobs log in to Azure (test/azure/ci-templates.test.ts), the plan needs nothing.
      expect(job.extends, name).toBe(name === "platform:plan" ? ".platform-checkout" : ".platform-azure");
    }
    expect((ci[".platform-azure"] as Yaml).extends).toBe(".platform-checkout");
    for (const hiddenJob of [hidden, ci[".platform-azure"] as Yaml])
      expect((hiddenJob.before_script as string[]).join("\n")).toMatch(/git clone .*"\$PLATFORM_REPOSITORY"/);
    const up = jobs["platform:ephemeral:up"]?.environment as Yaml;
    expect(up.on_stop).toBe("platform:ephemeral:down");
    const down = jobs["platform:ephemeral:down"]?.environment as Yaml | undefined;
    expect(down?.action).toBe("stop");
  });

  it("plans with --service-spec, and the line runs as written (exit 0 with the fixture spec)", () => {
    const line = script("platform:plan").find((l) => argsOf(l, "plan"));
    const argv = argsOf(line ?? "", "plan") ?? [];
    expect(parsePlanArgs(argv, "out").serviceSpecs).toEqual(["$CI_PROJECT_DIR/$SERVICE_SPEC"]);
    const project = mkdtempSync(join(tmpdir(), "service-repo-"));
    mkdirSync(join(project, "platform"));
    copyFileSync(FIXTURE, join(project, "platform", "newsletter.yaml"));
    const run = spawnSync("sh", ["-c", line as string], {
      cwd: ROOT,
      encoding: "utf8",
      env: {
        ...process.env,
        CI_PROJECT_DIR: project,
        SERVICE_SPEC: "platform/newsletter.yaml",
        PLATFORM_STACK: variables.PLATFORM_STACK,
      },
    });
    expect(run.stderr).not.toMatch(/plan: /);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(`services: ${catalog.length + 1} (`);
  }, 120_000);

  it("opens an ephemeral stack of the service's subgraph from its spec and its commit's image", () => {
    const argv =
      script("platform:ephemeral:up")
        .map((l) => argsOf(l, "ephemeral"))
        .find(Boolean) ?? [];
    const parsed = parseCommandLine(argv);
    expect(parsed.command).toBe("up");
    expect(flag(argv, "--service-spec")).toBe("$CI_PROJECT_DIR/$SERVICE_SPEC");
    expect(flag(argv, "--services")).toBe("$SERVICE_NAME");
    expect(flag(argv, "--service-tag")).toBe("$SERVICE_NAME=$CI_COMMIT_SHA");
    const down =
      script("platform:ephemeral:down")
        .map((l) => argsOf(l, "ephemeral"))
        .find(Boolean) ?? [];
    expect(parseCommandLine(down)).toEqual({ command: "down", id: "$CI_PIPELINE_ID" });
  });
});

describe("GitHub reusable workflow for service repositories (ci/github/workflows/service-plan.yml)", () => {
  const workflow = loadTemplate("ci/github/workflows/service-plan.yml");
  const call = (workflow.on as Yaml).workflow_call as { inputs: Record<string, { required: boolean }> };
  const steps = ((workflow.jobs as Record<string, Yaml>).plan?.steps as Array<Yaml>) ?? [];

  it("is called with the spec path and the platform repository", () => {
    expect(call.inputs.spec?.required).toBe(true);
    expect(call.inputs["platform-repository"]?.required).toBe(true);
    const checkouts = steps.filter((s) => String(s.uses).startsWith("actions/checkout@"));
    expect(checkouts.map((s) => (s.with as Yaml).path)).toEqual(["service", "platform"]);
  });

  it("plans the platform with the caller's spec", () => {
    const step = steps.find((s) => argsOf(String(s.run ?? ""), "plan"));
    expect(step?.["working-directory"]).toBe("platform");
    const argv = argsOf(String(step?.run), "plan") ?? [];
    const parsed = parsePlanArgs(argv, "out");
    expect(parsed.serviceSpecs).toEqual([`${ex("github.workspace")}/service/${ex("inputs.spec")}`]);
    expect(parsed.stack).toBe(ex("inputs.stack"));
  });
});

describe("npm run ephemeral -- up --service-spec", () => {
  it("deploys the spec's service and its dependencies, and hands the spec to the program", async () => {
    const h = harness();
    const code = await h.run(
      "up",
      "--id",
      "4242",
      "--image-tag",
      "v1.2.3",
      "--services",
      "newsletter",
      "--service-spec",
      FIXTURE,
    );
    expect(h.stderr()).toBe("");
    expect(code).toBe(0);
    expect(h.driver.serviceSpecs).toEqual([FIXTURE]);
    const stack = h.driver.stacks.get("ci-4242");
    const deployed = Object.keys((stack?.outputs.services?.value as object) ?? {});
    expect(deployed).toContain("newsletter");
    expect(stack?.config["platform:only"]).toEqual(["newsletter"]);
  });

  it("passes the spec files to the Pulumi program through PLATFORM_SERVICE_SPECS", () => {
    expect(specFilesFromEnv({ [SERVICE_SPECS_ENV]: `${FIXTURE}:/elsewhere/b.yaml` })).toEqual([
      FIXTURE,
      "/elsewhere/b.yaml",
    ]);
    expect(specFilesFromEnv({})).toEqual([]);
  });
});
