import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { TAG } from "../../stacks/ephemeral/tags";
import { catalog } from "../helpers/catalog";
import { nonEmpty } from "../helpers/non-empty";
import { harness, SHA } from "./helpers";

function tmp(): string {
  return mkdtempSync(join(tmpdir(), "ephemeral-cli-"));
}

const GITLAB = {
  GITLAB_CI: "true",
  CI_PIPELINE_ID: "987654",
  CI_COMMIT_REF_SLUG: "feature-login",
  CI_COMMIT_SHA: SHA,
  GITLAB_USER_LOGIN: "jane",
};

describe("up", () => {
  it("creates ci-<id> from the template and the GitLab variables, tags it, and writes the dotenv", async () => {
    const h = harness({ env: GITLAB });
    const file = join(tmp(), "ephemeral.env");
    expect(await h.run("up", "--dotenv", file, "--dotenv-format", "plain")).toBe(0);
    const stack = h.driver.stacks.get("ci-987654");
    expect(stack?.tags).toEqual({
      [TAG.ephemeral]: "true",
      [TAG.environment]: "ci",
      [TAG.pipeline]: "987654",
      [TAG.owner]: "jane",
      [TAG.ref]: "feature-login",
      [TAG.commit]: SHA,
      [TAG.expiresAt]: "2026-11-29T18:00:00Z",
    });
    expect(stack?.config["platform:namespace"]).toBe("ci-987654");
    expect(stack?.config["platform:images"]).toMatchObject({ tag: SHA });
    expect(stack?.config["platform:ephemeral"]).toMatchObject({ pipeline: "987654", owner: "jane" });
    // Tags are set before the update, so a failed update is still reapable.
    expect(h.driver.calls).toEqual([
      "find ci-987654",
      "createOrSelect ci-987654",
      "setTags ci-987654",
      "setConfig ci-987654",
      "up ci-987654",
      "outputs ci-987654",
    ]);
    expect(h.stdout()).toContain(
      `created ci-987654: all ${catalog.length} services, images 0123456789abcdef`,
    );
    expect(h.stdout()).toMatch(/Updating \(ci-987654\)/); // streamed progress
    expect(h.stdout()).toMatch(/ci-987654 is up \(\d+ create\)/);
    expect(h.stdout()).toContain(
      `\n  services (${catalog.length}): ${catalog.map((s) => s.name).join(", ")}\n`,
    );
    expect(h.stdout()).toMatch(/^ {2}postgres: postgres.ci-987654.svc.cluster.local:5432$/m);
    const dotenv = readFileSync(file, "utf8");
    expect(dotenv).toMatch(/^PLATFORM_STACK=ci-987654\n/);
    expect(dotenv).toContain("PLATFORM_CONTENT_URL=http://content.ci-987654.svc.cluster.local:80\n");
    expect(dotenv).toContain("PLATFORM_POSTGRES_ENDPOINT=postgres.ci-987654.svc.cluster.local:5432\n");
    expect(dotenv).toContain(
      "PLATFORM_OBJECT_STORE_ENDPOINT=http://azurite.ci-987654.svc.cluster.local:10000\n",
    );
    expect(dotenv).not.toMatch(/DATABASE_URL|s3cr3t/);
  });

  it("is idempotent: a second identical run converges on the same stack with no changes", async () => {
    const h = harness({ env: GITLAB });
    expect(await h.run("up", "--services", "content")).toBe(0);
    const first = structuredClone(h.driver.stacks.get("ci-987654"));
    h.reset();
    expect(await h.run("up", "--services", "content")).toBe(0);
    const second = h.driver.stacks.get("ci-987654");
    expect(h.driver.stacks.size).toBe(1);
    expect(second?.config).toEqual(first?.config);
    expect(second?.tags).toEqual(first?.tags);
    expect(second?.updates).toBe(2);
    expect(h.stdout()).toMatch(/updating ci-987654/);
    expect(h.stdout()).toMatch(/ci-987654 is up \(\d+ same\)/);
  });

  it("converges to the new arguments: a later run without --services drops the subgraph and its tag", async () => {
    const h = harness({ env: GITLAB });
    expect(await h.run("up", "--services", "content,media")).toBe(0);
    expect(h.driver.stacks.get("ci-987654")?.config["platform:only"]).toEqual(["content", "media"]);
    expect(h.driver.stacks.get("ci-987654")?.tags[TAG.services]).toBe("content,media");
    h.setNow(new Date("2026-11-29T13:00:00Z"));
    expect(await h.run("up")).toBe(0);
    const stack = h.driver.stacks.get("ci-987654");
    expect(stack?.config).not.toHaveProperty("platform:only");
    expect(stack?.tags).not.toHaveProperty(TAG.services);
    // A later run extends the expiry: a pipeline that is still running keeps its stack.
    expect(stack?.tags[TAG.expiresAt]).toBe("2026-11-29T19:00:00Z");
    expect(Object.keys((stack?.outputs.services?.value as object) ?? {})).toEqual(catalog.map((s) => s.name));
  });

  it("takes GitHub's variables, and GITHUB_REF_NAME when GITHUB_HEAD_REF is empty (push events)", async () => {
    const h = harness({
      env: {
        GITHUB_RUN_ID: "5550001",
        GITHUB_HEAD_REF: "",
        GITHUB_REF_NAME: "main",
        GITHUB_SHA: SHA,
        GITHUB_ACTOR: "dependabot[bot]",
      },
    });
    expect(await h.run("up", "--image-tag", "2026.11.3")).toBe(0);
    const stack = h.driver.stacks.get("ci-5550001");
    expect(stack?.tags[TAG.ref]).toBe("main");
    expect(stack?.tags[TAG.owner]).toBe("dependabot[bot]");
    expect(stack?.config["platform:ephemeral"]).toMatchObject({ owner: "dependabot-bot", ref: "main" });
    expect(stack?.config["platform:images"]).toMatchObject({ tag: "2026.11.3" });
  });

  it("refuses a stack that belongs to another pipeline id, and one that is not a ci stack", async () => {
    const h = harness({ env: GITLAB });
    h.driver.seed({ name: "ci-987654", tags: { [TAG.ephemeral]: "true", [TAG.pipeline]: "other" } });
    expect(await h.run("up")).toBe(1);
    expect(h.stderr()).toMatch(/stack ci-987654 belongs to pipeline "other", not "987654"/);
    h.reset();
    h.driver.seed({ name: "ci-987654", tags: { [TAG.environment]: "staging" } });
    expect(await h.run("up")).toBe(1);
    expect(h.stderr()).toMatch(/tagged platform:environment=staging: refusing to update/);
    expect(h.driver.calls.filter((c) => /^(up|setConfig|setTags)/.test(c))).toEqual([]);
  });

  it("keeps a stack whose update failed, tagged for the reaper, and exits 1 with what to do", async () => {
    const h = harness({ env: GITLAB });
    h.driver.failOn("up", "ci-987654", "error: timed out waiting for Deployment content to become ready");
    expect(await h.run("up")).toBe(1);
    expect(h.stderr()).toMatch(/up of ci-987654 failed:\nerror: timed out waiting for Deployment content/);
    expect(h.stderr()).toMatch(/npm run ephemeral -- down --id 987654/);
    expect(h.driver.stacks.get("ci-987654")?.tags[TAG.expiresAt]).toBe("2026-11-29T18:00:00Z");
  });
});

describe("down", () => {
  it("destroys and removes the stack", async () => {
    const h = harness({ env: GITLAB });
    await h.run("up");
    h.reset();
    expect(await h.run("down")).toBe(0);
    expect(h.driver.stacks.has("ci-987654")).toBe(false);
    expect(h.driver.calls.slice(-3)).toEqual(["find ci-987654", "destroy ci-987654", "remove ci-987654"]);
    expect(h.stdout()).toMatch(/ci-987654 destroyed and removed/);
  });

  it("succeeds when the stack is already gone, without destroying anything", async () => {
    const h = harness();
    expect(await h.run("down", "--id", "4242")).toBe(0);
    expect(h.stdout()).toMatch(/stack ci-4242 does not exist on fake:\/\/memory: nothing to do/);
    expect(h.driver.calls).toEqual(["find ci-4242"]);
  });

  it("exits 1 and keeps the stack when destroy fails", async () => {
    const h = harness({ env: GITLAB });
    await h.run("up");
    h.driver.failOn("destroy", "ci-987654", "cluster unreachable");
    h.reset();
    expect(await h.run("down")).toBe(1);
    expect(h.stderr()).toMatch(/destroy of ci-987654 failed:\ncluster unreachable\nThe stack is kept/);
    expect(h.driver.stacks.has("ci-987654")).toBe(true);
  });

  it("refuses a stack tagged as another environment", async () => {
    const h = harness();
    h.driver.seed({ name: "ci-1", tags: { [TAG.environment]: "prod" }, resourceCount: 10 });
    expect(await h.run("down", "--id", "1")).toBe(1);
    expect(h.stderr()).toMatch(/refusing to destroy a stack that is not a ci stack/);
    expect(h.driver.stacks.get("ci-1")?.resourceCount).toBe(10);
  });
});

describe("credentials", () => {
  it("are written only with --credentials, to a 0600 file, and never printed", async () => {
    const h = harness({ env: GITLAB });
    const dir = tmp();
    const file = join(dir, "test.env");
    writeFileSync(file, "old\n", { mode: 0o644 });
    expect(await h.run("up", "--dotenv", file, "--credentials")).toBe(0);
    const text = readFileSync(file, "utf8");
    expect(text).toContain(
      "PLATFORM_CONTENT_DATABASE_URL='postgresql://content:s3cr3t-content@postgres.ci-987654.svc.cluster.local:5432/content'",
    );
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(h.stdout()).toMatch(/of them credentials, file mode 0600/);
    expect(h.stdout() + h.stderr()).not.toMatch(/s3cr3t/);

    h.reset();
    const plain = join(dir, "plain.env");
    expect(await h.run("env", "--dotenv", plain)).toBe(0);
    expect(readFileSync(plain, "utf8")).not.toMatch(/DATABASE_URL|s3cr3t/);
    expect(h.stdout()).toMatch(/no credentials/);
  });

  it("env writes the dotenv of an existing stack, and fails when there is none", async () => {
    const h = harness({ env: GITLAB });
    const file = join(tmp(), "x.env");
    expect(await h.run("env", "--dotenv", file)).toBe(1);
    expect(h.stderr()).toMatch(/stack ci-987654 does not exist on fake:\/\/memory: run up first/);
    await h.run("up");
    expect(await h.run("env", "--dotenv", file, "--credentials", "--dotenv-format", "plain")).toBe(0);
    expect(readFileSync(file, "utf8")).toMatch(/^PLATFORM_EXPIRES_AT=2026-11-29T18:00:00Z$/m);
    expect(readFileSync(file, "utf8")).toMatch(/^PLATFORM_MEDIA_DATABASE_URL=postgresql:\/\/media:/m);
  });
});

describe("bad usage exits 2 with a message, before any stack is touched", () => {
  const cases: Array<[argv: string[], message: RegExp, env?: Record<string, string>]> = [
    [["frobnicate"], /unknown command "frobnicate": use one of up, down, env, list, reap/],
    [["--id", "1"], /a command comes first/],
    [["up", "--id", "1", "--bogus"], /up: Unknown option '--bogus'/],
    [["up", "--id"], /up: Option '--id <value>' argument missing/],
    [["up", "--id", "1", "extra"], /up takes no positional arguments \(got extra\)/],
    [["up", "--commit", SHA], /--id is required outside CI/],
    [["up", "--id", "1"], /--image-tag is required when no commit is known/],
    [["up", "--id", "1", "--image-tag", "latest"], /--image-tag "latest" is a moving tag/],
    [["up", "--id", "1", "--commit", "main"], /--commit "main" is not a commit id/],
    [["up", "--id", "1", "--image-tag", "v1", "--ttl", "6"], /--ttl "6" is not a duration/],
    [["up", "--id", "1", "--image-tag", "v1", "--ttl", "30d"], /longer than the maximum of 7d/],
    [["up", "--id", "1", "--image-tag", "v1", "--services", "contnet"], /did you mean "content"/],
    [["up", "--id", "1", "--image-tag", "v1", "--service-tag", "media"], /must be <service>=<image tag>/],
    [
      ["up", "--id", "1", "--image-tag", "v1", "--credentials"],
      /--credentials only makes sense with --dotenv/,
    ],
    [
      ["up", "--id", "1", "--image-tag", "v1", "--dotenv-format", "json"],
      /--dotenv-format must be shell or plain/,
    ],
    [["up", "--id", "bad id", "--image-tag", "v1"], /contains spaces or non-ASCII/],
    [["down"], /--id is required outside CI/],
    [["env", "--id", "1"], /env needs --dotenv <file>/],
    [["list", "--now", "yesterday"], /--now "yesterday" is not an ISO 8601 instant/],
    [["reap", "--dry-run", "--force"], /reap: Unknown option '--force'/],
  ];

  for (const [argv, message, env] of nonEmpty(cases)) {
    it(argv.join(" "), async () => {
      const h = harness(env ? { env } : {});
      expect(await h.run(...argv)).toBe(2);
      expect(h.stderr()).toMatch(message);
      expect(h.stdout()).toBe("");
      expect(h.driver.calls).toEqual([]);
      if (!/^(list|reap)$/.test(argv[0] ?? "")) expect(h.driverRequests).toBe(0);
    });
  }

  it("points at --help for command-line mistakes only", async () => {
    const h = harness();
    await h.run("up", "--nope");
    expect(h.stderr()).toMatch(/run `npm run ephemeral -- --help` for usage/);
    h.reset();
    await h.run("up", "--id", "1", "--image-tag", "latest");
    expect(h.stderr()).not.toMatch(/--help/);
  });

  it("prints the usage for --help and help, exit 0", async () => {
    for (const argv of [["--help"], ["help"], [], ["up", "--help"]]) {
      const h = harness();
      expect(await h.run(...argv)).toBe(0);
      expect(h.stdout()).toMatch(/^usage: npm run ephemeral -- <command>/);
      expect(h.stdout()).toMatch(/exit codes: 0 ok, 1 an operation failed, 2 bad usage or input/);
    }
  });
});
