import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { loadPackConfig } from "../../policies/runner/config";
import {
  createAutomationDriver,
  describeBackend,
  preflight,
  stateFromDeployment,
} from "../../stacks/ephemeral/automation-driver";
import { TEMPLATE_STACK } from "../../stacks/ephemeral/config";
import type { StackDriver } from "../../stacks/ephemeral/driver";
import { OperationError, UsageError } from "../../stacks/ephemeral/errors";
import { ROOT } from "./helpers";

// The Automation API driver without a real engine: its pure parts directly, and its command
// lines against a stand-in `pulumi` executable that records every invocation and keeps a tiny
// state in a JSON file. This checks the wiring (which commands, which flags, which payloads);
// what the real CLI does with them is for the end-to-end tests with the real engine.

describe("describeBackend", () => {
  it("names the backend without credentials or query parameters", () => {
    expect(describeBackend("file:///var/lib/pulumi-state")).toBe("file:///var/lib/pulumi-state");
    expect(describeBackend("azblob://state?storage_account=acme&sas=SECRET")).toBe("azblob://state");
    expect(describeBackend("s3://bucket/prefix?region=eu-west-1&awssdk=v2")).toBe("s3://bucket/prefix");
    expect(describeBackend("https://user:pw@api.example.com")).toBe("https://api.example.com");
    expect(describeBackend(undefined)).toMatch(/PULUMI_BACKEND_URL is not set/);
  });
});

describe("preflight", () => {
  const opts = (env: Record<string, string>, secretsProvider?: string) => ({
    workDir: ROOT,
    env,
    ...(secretsProvider ? { secretsProvider } : {}),
  });

  it("asks for a passphrase on self-managed backends before running anything", () => {
    expect(() => preflight(opts({ PULUMI_BACKEND_URL: "azblob://state" }))).toThrow(UsageError);
    expect(() => preflight(opts({ PULUMI_BACKEND_URL: "s3://bucket" }))).toThrow(
      /neither PULUMI_CONFIG_PASSPHRASE nor PULUMI_CONFIG_PASSPHRASE_FILE is set/,
    );
    expect(() =>
      preflight(opts({ PULUMI_BACKEND_URL: "file:///x", PULUMI_CONFIG_PASSPHRASE: "" })),
    ).not.toThrow();
    expect(() =>
      preflight(opts({ PULUMI_BACKEND_URL: "file:///x", PULUMI_CONFIG_PASSPHRASE_FILE: "/p" })),
    ).not.toThrow();
    expect(() =>
      preflight(opts({ PULUMI_BACKEND_URL: "azblob://state" }, "azurekeyvault://kv/keys/k")),
    ).not.toThrow();
    expect(() => preflight(opts({ PULUMI_BACKEND_URL: "https://api.pulumi.com" }))).not.toThrow();
    expect(() => preflight(opts({}))).not.toThrow();
  });
});

describe("stateFromDeployment", () => {
  it("reads Namespaces with labels and annotations, and counts resources without the stack itself", () => {
    const state = stateFromDeployment({
      version: 3,
      deployment: {
        resources: [
          { type: "pulumi:pulumi:Stack", urn: "u0" },
          {
            type: "kubernetes:core/v1:Namespace",
            outputs: {
              metadata: {
                name: "ci-42",
                labels: {
                  "platform.internal/ephemeral": "true",
                  "platform.internal/expires-at": "20261129T180000Z",
                },
                annotations: { "platform.internal/expires-at": "2026-11-29T18:00:00Z" },
              },
            },
          },
          // Created but never read back: the inputs stand in.
          {
            type: "kubernetes:core/v1:Namespace",
            inputs: { metadata: { name: "ci-42-logs", labels: { a: "b" } } },
          },
          { type: "kubernetes:apps/v1:Deployment", outputs: { metadata: { name: "content" } } },
        ],
      },
    });
    expect(state).toEqual({
      resourceCount: 3,
      namespaces: [
        {
          name: "ci-42",
          labels: {
            "platform.internal/ephemeral": "true",
            "platform.internal/expires-at": "20261129T180000Z",
          },
          annotations: { "platform.internal/expires-at": "2026-11-29T18:00:00Z" },
        },
        { name: "ci-42-logs", labels: { a: "b" }, annotations: {} },
      ],
    });
    expect(stateFromDeployment({})).toEqual({ resourceCount: 0, namespaces: [] });
  });
});

/** A `pulumi` that logs its argv and answers from a JSON file: enough for the driver's calls. */
const FAKE_PULUMI = String.raw`#!/usr/bin/env node
const fs = require("node:fs");
const argv = process.argv.slice(2);
fs.appendFileSync(process.env.FAKE_PULUMI_LOG, JSON.stringify(argv) + "\n");
const file = process.env.FAKE_PULUMI_STATE;
const state = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, "utf8")) : { stacks: {} };
const save = () => fs.writeFileSync(file, JSON.stringify(state));
const flag = (name) => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1] : undefined; };
const words = argv.filter((a, i) => !a.startsWith("-") && !(i > 0 && argv[i - 1].startsWith("--") && !argv[i - 1].includes("=") && !["--yes", "--skip-preview", "--json", "--show-secrets", "--non-interactive", "--remove-backups", "--plaintext"].includes(argv[i - 1])));
const name = flag("--stack");
const stack = () => { const s = state.stacks[name]; if (!s) { process.stderr.write("error: no stack named '" + name + "' found\n"); process.exit(255); } return s; };
const out = (v) => process.stdout.write(typeof v === "string" ? v : JSON.stringify(v));
const cmd = words.slice(0, 3).join(" ");
const cmd2 = words.slice(0, 2).join(" ");
if (cmd.startsWith("version")) out(process.env.FAKE_PULUMI_VERSION || "v3.260.0\n");
else if (cmd.startsWith("stack ls")) out(Object.keys(state.stacks).map((n) => ({ name: n, current: false, resourceCount: state.stacks[n].resources.length })));
else if (cmd.startsWith("stack select")) stack();
else if (cmd.startsWith("stack init")) { state.stacks[words[2]] = { config: {}, tags: {}, resources: [], outputs: {} }; save(); }
else if (cmd === "stack tag set") { stack().tags[words[3]] = words[4]; save(); }
else if (cmd === "stack tag rm") { delete stack().tags[words[3]]; save(); }
else if (cmd === "stack tag ls") out(stack().tags);
else if (cmd2 === "config rm-all") { for (const k of words.slice(2)) delete stack().config[k]; save(); }
else if (cmd2 === "config set-all") { const j = JSON.parse(flag("--json")); for (const [k, v] of Object.entries(j)) stack().config[k] = v; save(); }
else if (cmd.startsWith("config")) out(Object.fromEntries(Object.entries(stack().config).map(([k, v]) => [k, { value: v.value, secret: false }])));
else if (cmd.startsWith("up")) {
  const s = stack();
  s.serviceSpecs = process.env.PLATFORM_SERVICE_SPECS;
  const packConfig = flag("--policy-pack-config");
  s.policy = { pack: flag("--policy-pack"), configFile: packConfig, config: packConfig && JSON.parse(fs.readFileSync(packConfig, "utf8")) };
  const ns = s.config["platform:namespace"].value;
  s.resources = [{ type: "kubernetes:core/v1:Namespace", outputs: { metadata: { name: ns, labels: { "platform.internal/ephemeral": "true" } } } }];
  s.outputs = { namespace: ns, credentials: { content: { DATABASE_URL: "postgresql://c:pw@db/c" } } };
  save();
  out("Updating (" + name + "):\n + kubernetes:core/v1:Namespace " + ns + " created\nResources:\n    + 1 created\n");
}
else if (cmd2 === "stack output") out(argv.includes("--show-secrets") ? stack().outputs : { ...stack().outputs, credentials: "[secret]" });
else if (cmd2 === "stack history") out([{ version: 1, kind: "update", result: "succeeded", message: "", environment: {}, config: {}, startTime: "2026-11-29T12:00:00Z", endTime: "2026-11-29T12:01:00Z", resourceChanges: { create: 1 } }]);
else if (cmd.startsWith("destroy")) { stack().resources = []; stack().outputs = {}; save(); out("Destroying (" + name + "):\n - 1 deleted\n"); }
else if (cmd2 === "stack export") out({ version: 3, deployment: { resources: stack().resources } });
else if (cmd2 === "stack rm") { stack(); delete state.stacks[name]; save(); }
else { process.stderr.write("fake pulumi: unexpected " + argv.join(" ") + "\n"); process.exit(2); }
`;

describe("the Automation API driver against a stand-in pulumi", () => {
  let root: string;
  let log: string;
  let env: Record<string, string>;
  let driver: StackDriver;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), "fake-pulumi-"));
    mkdirSync(join(root, "bin"));
    writeFileSync(join(root, "bin", "pulumi"), FAKE_PULUMI);
    chmodSync(join(root, "bin", "pulumi"), 0o755);
    log = join(root, "calls.log");
    env = {
      FAKE_PULUMI_LOG: log,
      FAKE_PULUMI_STATE: join(root, "state.json"),
      PULUMI_BACKEND_URL: "file:///tmp/state?x=1",
      PULUMI_CONFIG_PASSPHRASE: "test",
    };
    // The Automation API passes its own process environment to the CLI, plus envVars.
    Object.assign(process.env, {
      FAKE_PULUMI_LOG: env.FAKE_PULUMI_LOG,
      FAKE_PULUMI_STATE: env.FAKE_PULUMI_STATE,
    });
    driver = await createAutomationDriver({ workDir: ROOT, env, pulumiRoot: root });
  }, 30_000);

  const calls = (): string[][] =>
    readFileSync(log, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as string[]);
  const matching = (prefix: string[]) => calls().filter((c) => prefix.every((p, i) => c[i] === p));

  it("creates, configures, tags, updates, reads and removes a stack with the expected commands", async () => {
    expect(driver.backend()).toBe("file:///tmp/state");
    expect(await driver.createOrSelect("ci-42")).toEqual({ created: true });
    expect(matching(["stack", "init"])[0]).toEqual(expect.arrayContaining(["stack", "init", "ci-42"]));

    await driver.setTags("ci-42", {
      "platform:ephemeral": "true",
      "platform:expires-at": "2026-11-29T18:00:00Z",
    });
    expect(matching(["stack", "tag", "set"]).map((c) => c.slice(3, 5))).toEqual([
      ["platform:ephemeral", "true"],
      ["platform:expires-at", "2026-11-29T18:00:00Z"],
    ]);

    await driver.setConfig("ci-42", {
      "platform:namespace": "ci-42",
      "platform:only": ["content"],
      "platform:stale": "x",
    });
    await driver.setConfig("ci-42", { "platform:namespace": "ci-42", "platform:images": { tag: "abc1234" } });
    const setAll = matching(["config", "set-all"]);
    expect(setAll).toHaveLength(2);
    const payload = JSON.parse(setAll[1]?.[(setAll[1]?.indexOf("--json") ?? 0) + 1] ?? "{}");
    expect(payload["platform:images"]).toEqual({
      value: '{"tag":"abc1234"}',
      objectValue: { tag: "abc1234" },
      secret: false,
    });
    // Keys the new config no longer has are removed, not left behind.
    expect(matching(["config", "rm-all"])[0]).toEqual(
      expect.arrayContaining(["platform:only", "platform:stale"]),
    );

    let streamed = "";
    const summary = await driver.up("ci-42", {
      onOutput: (t) => {
        streamed += t;
      },
    });
    expect(summary).toEqual({ resourceChanges: { create: 1 } });
    expect(streamed).toMatch(/kubernetes:core\/v1:Namespace ci-42 created/);
    expect(matching(["up"])[0]).toEqual(
      expect.arrayContaining(["--yes", "--skip-preview", "--stack", "ci-42"]),
    );

    const outputs = await driver.outputs("ci-42");
    expect(outputs.namespace).toEqual({ value: "ci-42", secret: false });
    expect(outputs.credentials?.secret).toBe(true);

    expect(await driver.state("ci-42")).toEqual({
      resourceCount: 1,
      namespaces: [{ name: "ci-42", labels: { "platform.internal/ephemeral": "true" }, annotations: {} }],
    });
    // Reading labels never asks for secrets.
    expect(matching(["stack", "export"])[0]).not.toContain("--show-secrets");

    const [listed] = await driver.list();
    expect(listed).toMatchObject({ name: "ci-42", resourceCount: 1, tags: { "platform:ephemeral": "true" } });
    expect(await driver.find("ci-42")).toMatchObject({ name: "ci-42" });
    expect(await driver.find("ci-43")).toBeUndefined();
    expect(await driver.createOrSelect("ci-42")).toEqual({ created: false });

    await driver.destroy("ci-42");
    await driver.remove("ci-42");
    // --remove-backups: a DIY backend keeps no .bak of the state and no backups of a removed stack.
    expect(matching(["stack", "rm"])[0]).toEqual([
      "stack",
      "rm",
      "--yes",
      "--remove-backups",
      "--stack",
      "ci-42",
      "--non-interactive",
    ]);
    expect(await driver.find("ci-42")).toBeUndefined();
  }, 60_000);

  it("hands --service-spec files to the program as PLATFORM_SERVICE_SPECS, and none when none are given", async () => {
    const state = () => JSON.parse(readFileSync(env.FAKE_PULUMI_STATE as string, "utf8"));
    const withSpecs = await createAutomationDriver({
      workDir: ROOT,
      env,
      pulumiRoot: root,
      serviceSpecs: ["/repo/a.yaml", "/repo/b.yaml"],
    });
    await withSpecs.createOrSelect("ci-77");
    await withSpecs.setConfig("ci-77", { "platform:namespace": "ci-77" });
    await withSpecs.up("ci-77");
    expect(state().stacks["ci-77"].serviceSpecs).toBe("/repo/a.yaml:/repo/b.yaml");
    // A value left in the runner's environment does not change what the CLI validated.
    process.env.PLATFORM_SERVICE_SPECS = "/leftover.yaml";
    try {
      const without = await createAutomationDriver({ workDir: ROOT, env, pulumiRoot: root });
      await without.up("ci-77");
      expect(state().stacks["ci-77"].serviceSpecs).toBe("");
    } finally {
      delete process.env.PLATFORM_SERVICE_SPECS;
    }
    await withSpecs.remove("ci-77");
  }, 60_000);

  it("runs every update with the policy pack and the template stack's pack config, as CI does", async () => {
    const state = () => JSON.parse(readFileSync(env.FAKE_PULUMI_STATE as string, "utf8"));
    await driver.createOrSelect("ci-88");
    await driver.setConfig("ci-88", { "platform:namespace": "ci-88" });
    await driver.up("ci-88");
    const [up] = matching(["up"]).filter((c) => c.includes("ci-88"));
    expect(up).toEqual(expect.arrayContaining(["--policy-pack", join(ROOT, "policies")]));
    const { policy } = state().stacks["ci-88"];
    expect(policy.pack).toBe(join(ROOT, "policies"));
    // What `npm run policy -- config --stack ci` prints, read by the CLI during the update …
    expect(policy.config).toEqual(loadPackConfig(TEMPLATE_STACK));
    expect(Object.keys(policy.config).length).toBeGreaterThan(0);
    // … and gone afterwards.
    expect(existsSync(policy.configFile)).toBe(false);

    // Another stack's pack config when the caller names one (policies/config/<stack>.json).
    const other = await createAutomationDriver({
      workDir: ROOT,
      env,
      pulumiRoot: root,
      policyConfigStack: "prod",
    });
    await other.up("ci-88");
    expect(state().stacks["ci-88"].policy.config).toEqual(loadPackConfig("prod"));
    await driver.remove("ci-88");
  }, 60_000);

  it("refuses a Pulumi CLI older than 3.211", async () => {
    process.env.FAKE_PULUMI_VERSION = "v3.180.0\n";
    try {
      await expect(createAutomationDriver({ workDir: ROOT, env, pulumiRoot: root })).rejects.toThrow(
        OperationError,
      );
      await expect(createAutomationDriver({ workDir: ROOT, env, pulumiRoot: root })).rejects.toThrow(
        /the Pulumi CLI is 3.180.0; ephemeral stacks need 3.211.0 or later/,
      );
    } finally {
      delete process.env.FAKE_PULUMI_VERSION;
    }
  }, 30_000);

  it("says when there is no pulumi executable", async () => {
    await expect(
      createAutomationDriver({ workDir: ROOT, env, pulumiRoot: join(root, "missing") }),
    ).rejects.toThrow(/no pulumi executable in .*missing\/bin/);
  });
});
