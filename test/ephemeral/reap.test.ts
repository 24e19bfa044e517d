import { describe, expect, it } from "vitest";
import type { StackInfo } from "../../stacks/ephemeral/driver";
import { classifyAll, classifyByState, classifyByTags, reapStacks } from "../../stacks/ephemeral/reap";
import { LABEL, TAG, tagsFor } from "../../stacks/ephemeral/tags";
import { FakeStackDriver, simulateProgram } from "./fake-driver";
import { harness, NOW } from "./helpers";

const PAST = "2026-11-29T10:00:00Z"; // two hours before NOW
const FUTURE = "2026-11-29T18:00:00Z";

function tagged(name: string, expiresAt: string, extra: Record<string, string> = {}): StackInfo {
  return { name, tags: { ...tagsFor({ pipeline: name.slice(3), owner: "jane", expiresAt }), ...extra } };
}

/** A stack as `up` leaves it: config, tags, outputs and labelled namespaces. */
function seedEphemeral(
  driver: FakeStackDriver,
  name: string,
  expiresAt: string,
  options: { tags?: boolean } = {},
) {
  const config = {
    "platform:namespace": name,
    "platform:environment": "ci",
    "platform:only": ["config"],
    "platform:ephemeral": { pipeline: name.slice(3), owner: "jane", expiresAt },
  };
  const deployed = simulateProgram(name, config);
  return driver.seed({
    name,
    config,
    tags: options.tags === false ? {} : tagged(name, expiresAt).tags,
    outputs: deployed.outputs,
    namespaces: deployed.namespaces,
    resourceCount: deployed.resourceCount,
    lastUpdate: "2026-11-29T04:00:00Z",
  });
}

describe("classifyByTags", () => {
  it("reaps an ephemeral stack whose expiry tag has passed, keeps one that has not", () => {
    const expired = classifyByTags(tagged("ci-1", PAST), NOW);
    expect(expired).toMatchObject({
      ephemeral: true,
      evidence: "tag",
      expiresAt: PAST,
      pipeline: "1",
      owner: "jane",
      verdict: { action: "reap", reason: "expired 2h ago (tag)" },
    });
    expect(classifyByTags(tagged("ci-2", FUTURE), NOW)).toMatchObject({
      verdict: { action: "keep", reason: "expires in 6h (tag)" },
    });
    // Exactly at the expiry instant the stack is due.
    expect(classifyByTags(tagged("ci-3", NOW.toISOString()), NOW)).toMatchObject({
      verdict: { action: "reap" },
    });
  });

  it("never selects a stack that is not ephemeral", () => {
    for (const stack of [
      { name: "staging", tags: {} },
      { name: "prod", tags: { [TAG.environment]: "prod" } },
      { name: "ci", tags: {} },
      { name: "dev", tags: { [TAG.expiresAt]: PAST } },
      tagged("ci-4", PAST, { [TAG.ephemeral]: "false" }),
      tagged("ci-5", PAST, { [TAG.environment]: "prod" }),
    ]) {
      const c = classifyByTags(stack, NOW);
      expect("needsState" in c, stack.name).toBe(false);
      if (!("needsState" in c)) {
        expect(c.verdict.action, stack.name).toBe("skip");
        expect(c.ephemeral, stack.name).toBe(false);
      }
    }
  });

  it("asks for the state of a ci-* stack without tags, or with an unreadable expiry", () => {
    expect(classifyByTags({ name: "ci-9", tags: {} }, NOW)).toEqual({ needsState: true });
    expect(classifyByTags(tagged("ci-9", "soon"), NOW)).toEqual({ needsState: true });
  });
});

describe("classifyByState (tags missing)", () => {
  const ns = (name: string, labels: Record<string, string>) => ({ name, labels, annotations: {} });

  it("reaps by the namespace label when the expiry has passed", () => {
    const c = classifyByState(
      { name: "ci-9", tags: {} },
      [
        ns("ci-9", {
          [LABEL.ephemeral]: "true",
          [LABEL.environment]: "ci",
          [LABEL.expiresAt]: "20261129T100000Z",
          [LABEL.owner]: "bob",
          [LABEL.pipeline]: "9",
        }),
      ],
      NOW,
    );
    expect(c).toMatchObject({
      ephemeral: true,
      evidence: "label",
      owner: "bob",
      pipeline: "9",
      expiresAt: PAST,
      verdict: { action: "reap", reason: "expired 2h ago (namespace label)" },
    });
  });

  it("falls back to the ISO annotation, then to last update + 7 days", () => {
    const byAnnotation = classifyByState(
      { name: "ci-9", tags: {} },
      [{ name: "ci-9", labels: { [LABEL.ephemeral]: "true" }, annotations: { [LABEL.expiresAt]: FUTURE } }],
      NOW,
    );
    expect(byAnnotation.verdict.action).toBe("keep");
    const byAge = classifyByState(
      { name: "ci-9", tags: { [TAG.ephemeral]: "true" }, lastUpdate: "2026-11-20T12:00:00Z" },
      [],
      NOW,
    );
    expect(byAge).toMatchObject({
      ephemeral: true,
      evidence: "tag",
      expiresAt: "2026-11-27T12:00:00Z",
      verdict: { action: "reap", reason: "expired 2d ago (last update + maximum TTL, no expiry recorded)" },
    });
    const unknown = classifyByState({ name: "ci-9", tags: { [TAG.ephemeral]: "true" } }, [], NOW);
    expect(unknown.verdict.action).toBe("skip");
    expect(unknown.verdict.reason).toMatch(/no expiry and no last update/);
  });

  it("leaves alone a ci-* stack without tag or labelled namespace, and one labelled for another environment", () => {
    const plain = classifyByState(
      { name: "ci-9", tags: {} },
      [ns("ci-9", { [LABEL.environment]: "ci" })],
      NOW,
    );
    expect(plain).toMatchObject({ ephemeral: false, verdict: { action: "skip" } });
    const prod = classifyByState(
      { name: "ci-9", tags: {} },
      [
        ns("ci-9", {
          [LABEL.ephemeral]: "true",
          [LABEL.environment]: "prod",
          [LABEL.expiresAt]: "20261129T100000Z",
        }),
      ],
      NOW,
    );
    expect(prod).toMatchObject({ ephemeral: false, verdict: { action: "skip" } });
    expect(prod.verdict.reason).toMatch(/labelled platform.internal\/environment=prod/);
  });
});

describe("classifyAll", () => {
  it("reads the state only of ci-* stacks the tags cannot decide", async () => {
    const driver = new FakeStackDriver();
    seedEphemeral(driver, "ci-1", PAST);
    seedEphemeral(driver, "ci-2", PAST, { tags: false });
    driver.seed({ name: "staging", resourceCount: 120 });
    driver.seed({ name: "prod", resourceCount: 300, tags: { [TAG.environment]: "prod" } });
    const result = await classifyAll(driver, await driver.list(), NOW);
    expect(Object.fromEntries(result.map((c) => [c.stack, c.verdict.action]))).toEqual({
      "ci-1": "reap",
      "ci-2": "reap",
      staging: "skip",
      prod: "skip",
    });
    expect(driver.calls.filter((c) => c.startsWith("state"))).toEqual(["state ci-2"]);
  });

  it("leaves an expired stack whose update is still in progress for the next run", async () => {
    const driver = new FakeStackDriver();
    seedEphemeral(driver, "ci-1", PAST).updateInProgress = true;
    const [c] = await classifyAll(driver, await driver.list(), NOW);
    expect(c?.verdict).toEqual({
      action: "skip",
      reason: "expired 2h ago (tag), but an update is in progress: left for the next run",
    });
  });

  it("skips, with the reason, a stack whose state cannot be read", async () => {
    const driver = new FakeStackDriver();
    seedEphemeral(driver, "ci-2", PAST, { tags: false });
    driver.failOn("state", "ci-2", "backend timeout");
    const [c] = await classifyAll(driver, await driver.list(), NOW);
    expect(c?.verdict).toEqual({
      action: "skip",
      reason: "could not read its state to find an expiry: backend timeout",
    });
  });
});

describe("reapStacks", () => {
  it("keeps going after a failure and reports every stack", async () => {
    const driver = new FakeStackDriver();
    for (const n of ["ci-1", "ci-2", "ci-3", "ci-4"]) seedEphemeral(driver, n, PAST);
    seedEphemeral(driver, "ci-5", FUTURE);
    driver.seed({ name: "staging", resourceCount: 120 });
    driver.failOn("destroy", "ci-2", "kube API unreachable");
    driver.failOn("remove", "ci-3", "state locked");
    const results = await reapStacks(driver, await classifyAll(driver, await driver.list(), NOW), {
      dryRun: false,
    });
    expect(Object.fromEntries(results.map((r) => [r.stack, r.outcome]))).toEqual({
      "ci-1": "destroyed",
      "ci-2": "failed",
      "ci-3": "failed",
      "ci-4": "destroyed",
      "ci-5": "kept",
      staging: "skipped",
    });
    expect(results.find((r) => r.stack === "ci-2")?.error).toBe("destroy failed: kube API unreachable");
    expect(results.find((r) => r.stack === "ci-3")?.error).toBe(
      "resources destroyed, but removing the stack failed: state locked",
    );
    expect([...driver.stacks.keys()].sort()).toEqual(["ci-2", "ci-3", "ci-5", "staging"]);
    expect(driver.stacks.get("ci-3")?.resourceCount).toBe(0);
    expect(driver.stacks.get("staging")?.resourceCount).toBe(120);
    expect(driver.calls.filter((c) => /staging|ci-5/.test(c) && !c.startsWith("list"))).toEqual([]);
  });

  it("destroys nothing in a dry run", async () => {
    const driver = new FakeStackDriver();
    seedEphemeral(driver, "ci-1", PAST);
    const results = await reapStacks(driver, await classifyAll(driver, await driver.list(), NOW), {
      dryRun: true,
    });
    expect(results.map((r) => r.outcome)).toEqual(["would-destroy"]);
    expect(driver.calls.some((c) => /^(destroy|remove)/.test(c))).toBe(false);
    expect(driver.stacks.get("ci-1")?.resourceCount).toBeGreaterThan(0);
  });
});

describe("npm run ephemeral -- reap / list", () => {
  it("reaps expired stacks, reports them, and exits 1 when one failed", async () => {
    const h = harness();
    seedEphemeral(h.driver, "ci-1", PAST);
    seedEphemeral(h.driver, "ci-2", PAST);
    seedEphemeral(h.driver, "ci-3", FUTURE);
    h.driver.seed({ name: "prod", resourceCount: 300 });
    h.driver.failOn("destroy", "ci-1", "kube API unreachable");
    expect(await h.run("reap")).toBe(1);
    expect(h.stdout()).toMatch(/FAILED +ci-1: destroy failed: kube API unreachable/);
    expect(h.stdout()).toMatch(/destroyed +ci-2: expired 2h ago \(tag\)/);
    expect(h.stdout()).toMatch(/kept +ci-3: expires in 6h \(tag\)/);
    expect(h.stdout()).not.toMatch(/prod:/);
    expect(h.stdout()).toMatch(
      /1 destroyed, 1 failed, 1 not expired yet, 0 ephemeral without a usable expiry, 1 other stacks left alone/,
    );
    expect(h.stderr()).toMatch(/✗ ci-1: destroy failed/);
    expect([...h.driver.stacks.keys()].sort()).toEqual(["ci-1", "ci-3", "prod"]);
  });

  it("exits 0 when everything expired was reaped, and honours --dry-run, --now and --json", async () => {
    const h = harness();
    seedEphemeral(h.driver, "ci-1", PAST);
    seedEphemeral(h.driver, "ci-3", FUTURE);
    expect(await h.run("reap", "--dry-run", "--json", "--now", "2026-11-29T19:00:00Z")).toBe(0);
    const report = JSON.parse(h.stdout()) as {
      dryRun: boolean;
      results: Array<{ stack: string; outcome: string }>;
    };
    expect(report.dryRun).toBe(true);
    expect(report.results.map((r) => [r.stack, r.outcome])).toEqual([
      ["ci-1", "would-destroy"],
      ["ci-3", "would-destroy"],
    ]);
    expect(h.driver.stacks.size).toBe(2);
    h.reset();
    expect(await h.run("reap")).toBe(0);
    expect([...h.driver.stacks.keys()]).toEqual(["ci-3"]);
  });

  it("lists ephemeral stacks as a table or JSON, other stacks only with --all", async () => {
    const h = harness();
    seedEphemeral(h.driver, "ci-1", PAST);
    seedEphemeral(h.driver, "ci-2", FUTURE, { tags: false });
    h.driver.seed({ name: "staging", resourceCount: 120 });
    expect(await h.run("list")).toBe(0);
    const lines = h.stdout().trim().split("\n");
    expect(lines[0]).toMatch(/^STACK +PIPELINE +OWNER +REF +COMMIT +RESOURCES +STATUS +EXPIRY$/);
    expect(lines[1]).toMatch(/^ci-1 +1 +jane +- +- +\d+ +expired +expired 2h ago \(tag\)$/);
    expect(lines[2]).toMatch(/^ci-2 +2 +jane .* active +expires in 6h \(namespace label\)$/);
    expect(lines).toHaveLength(3);
    h.reset();
    expect(await h.run("list", "--json", "--all")).toBe(0);
    const json = JSON.parse(h.stdout()) as Array<{ stack: string; status: string; evidence: string }>;
    expect(json.map((s) => [s.stack, s.status, s.evidence])).toEqual([
      ["ci-1", "expired", "tag"],
      ["ci-2", "active", "label"],
      ["staging", "not ephemeral", "none"],
    ]);
    expect(h.driver.calls.some((c) => /^(destroy|remove|up)/.test(c))).toBe(false);
  });
});
