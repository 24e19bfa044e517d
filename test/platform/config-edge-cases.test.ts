import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { SHOWN_PROBLEMS } from "../../components/errors/input-error";
import { runProgram } from "../../tools/plan/run";
import { readStackFile, StackFileError } from "../../tools/plan/stack-file";
import { nonEmpty } from "../helpers/non-empty";

// Stack files as people get them wrong, derived from the committed local stack: the plan must
// refuse each with a message that names the key and the fix, registers nothing, cannot be used
// to forge log lines, and stays readable whatever the size of the input.

const ROOT = join(__dirname, "..", "..");

/** The local stack's config as the CLI hands it to the program (`platform:images` -> JSON text). */
function localConfig(): Record<string, string> {
  return { ...readStackFile(ROOT, "local").config };
}

async function planError(config: Record<string, string>): Promise<string> {
  const run = await runProgram({ stack: "local", config });
  expect(run.resources, "resources were registered").toHaveLength(0);
  expect(run.error, "the config was accepted").toBeDefined();
  return run.error?.message ?? "";
}

/** The local stack file's document, for variants written to a temporary stacks/ directory. */
function localDocument(): { config: Record<string, unknown> } & Record<string, unknown> {
  return parse(readFileSync(join(ROOT, "stacks", "Pulumi.local.yaml"), "utf8"));
}

function writeStack(document: unknown): string {
  const root = mkdtempSync(join(tmpdir(), "stack-"));
  mkdirSync(join(root, "stacks"));
  writeFileSync(join(root, "stacks", "Pulumi.edge.yaml"), stringify(document));
  return root;
}

function stackFileError(document: unknown): string {
  const root = writeStack(document);
  try {
    readStackFile(root, "edge");
  } catch (error) {
    expect(error).toBeInstanceOf(StackFileError);
    return (error as Error).message;
  }
  throw new Error("the stack file was accepted");
}

/** Every line of a message is a problem line or its fix: nothing a value could have started. */
function expectOnlyProblemLines(message: string): void {
  for (const line of nonEmpty(message.split("\n"))) {
    expect(line, "a forged line").toMatch(/^(stacks\/Pulumi\.[a-z]+\.yaml: | {2}fix: |… and )/);
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the point is that none get through
  expect(message).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029]/);
}

describe("config keys outside the platform: namespace", () => {
  it("refuses a misspelt namespace and suggests the right key", async () => {
    const config = localConfig();
    const key = Object.keys(config).find((k) => k.startsWith("platform:") && k !== "platform:profile");
    expect(key).toBeDefined();
    const name = (key as string).slice("platform:".length);
    config[`platfrom:${name}`] = config[key as string] as string;
    delete config[key as string];
    const message = await planError(config);
    expect(message).toContain(`platfrom:${name}: "platfrom:" is not a namespace`);
    expect(message).toContain(`fix: did you mean "platform:${name}"?`);
    expect(message).not.toContain("is required");
  });

  it("refuses an unknown namespace, and accepts Pulumi's and the providers'", async () => {
    const refused = await planError({ ...localConfig(), "acme:replicaCap": "3" });
    expect(refused).toMatch(
      /acme:replicaCap: "acme:" is not a namespace[^\n]*\n {2}fix: .*allowed namespaces: platform:, pulumi:, kubernetes:/,
    );
    const accepted = await runProgram({
      stack: "local",
      config: {
        ...localConfig(),
        "kubernetes:enableServerSideApply": "true",
        "azure-native:location": "westeurope",
        "pulumi:disable-default-providers": '["*"]',
      },
    });
    expect(accepted.error).toBeUndefined();
  });

  it("says a key has no namespace instead of calling the key it meant required", async () => {
    const config = Object.fromEntries(
      Object.entries(localConfig()).map(([k, v]) => [k.replace(/^platform:/, ""), v]),
    );
    const message = await planError(config);
    for (const key of nonEmpty(Object.keys(config))) {
      expect(message).toContain(
        `${key}: has no namespace, so the program never reads it\n  fix: write it as platform:${key}`,
      );
    }
    expect(message).not.toContain("is required");
  });

  it("says a file without the config: wrapper must put its keys under config:", () => {
    const keys = Object.keys(localDocument().config);
    const message = stackFileError(localDocument().config);
    const [first] = keys;
    expect(message).toMatch(
      new RegExp(
        `^stacks/Pulumi\\.edge\\.yaml: ${first}: is not a stack-file setting \\(nor are the ${keys.length - 1} other config keys at the top level of the file\\)\n {2}fix: config keys go under a top-level config: map`,
      ),
    );
    // One mistake, one problem: not one per key.
    expect(message.split("\n")).toHaveLength(2);
    expect(message).not.toContain("is required");
  });

  it("says a stack file with no platform: key at all needs one, not that each is required", async () => {
    const message = await planError({});
    expect(message).toMatch(
      /config: no platform:\* key is set\n {2}fix: the stack file needs a top-level config: map/,
    );
    expect(message).not.toContain("is required");
  });
});

describe("keys that name JavaScript object internals", () => {
  const internals = ["__proto__", "constructor", "prototype"];
  const local = localConfig();
  // Every structured key of the local stack, and the top level: a forbidden key at any depth.
  const structured = Object.keys(local).filter((k) => /^[{[]/.test(local[k] as string));
  expect(structured.length).toBeGreaterThan(0);

  it.each(internals)("refuses platform:%s and pollutes nothing", async (name) => {
    const config = { ...localConfig(), [`platform:${name}`]: JSON.stringify({ logLevel: "debug" }) };
    const message = await planError(config);
    expect(message).toContain(`platform:${name}: "${name}" is not allowed as a key name`);
    expect(({} as Record<string, unknown>).logLevel).toBeUndefined();
  });

  it.each(internals.flatMap((name) => structured.map((key) => [name, key] as const)))(
    "refuses %s nested in %s",
    async (name, key) => {
      const value = JSON.parse(local[key] as string);
      if (Array.isArray(value)) value[0] = {};
      const target = Array.isArray(value) ? value[0] : value;
      Object.defineProperty(target, name, { value: { logLevel: "debug" }, enumerable: true });
      const message = await planError({ ...localConfig(), [key]: JSON.stringify(value) });
      expect(message).toContain(`"${name}" is not allowed as a key name`);
      expect(message).toContain(key);
    },
  );

  it("reads platform:__proto__ from a real stack file as a refused key", async () => {
    const document = localDocument();
    document.config["platform:__proto__"] = { logLevel: "debug" };
    const root = writeStack(document);
    const file = readStackFile(root, "edge");
    const message = await planError(file.config);
    expect(message).toContain('platform:__proto__: "__proto__" is not allowed as a key name');
  });
});

describe("encrypted values", () => {
  const bad: Array<[string, unknown, RegExp]> = [
    ["an empty ciphertext", "", /is empty/],
    ["a number", 12345, /must be the encrypted text Pulumi writes/],
    ["a map", { a: 1 }, /must be the encrypted text Pulumi writes/],
    ["text with spaces and control characters", "not\u001b[31m encrypted", /is not encrypted text/],
  ];

  it.each(bad)("refuses secure: %s, at the top level and nested", (_label, ciphertext, problem) => {
    const document = localDocument();
    document.config["platform:kubeconfig"] = { secure: ciphertext };
    const top = stackFileError(document);
    expect(top).toMatch(
      new RegExp(
        `platform:kubeconfig\\.secure: ${problem.source}[^\\n]*\\n {2}fix: write it with \`pulumi config set --secret platform:kubeconfig`,
      ),
    );
    expectOnlyProblemLines(top);

    const nested = localDocument();
    const images = nested.config["platform:images"] as Record<string, unknown>;
    images.registry = { secure: ciphertext };
    expect(stackFileError(nested)).toMatch(
      new RegExp(`platform:images\\.registry\\.secure: ${problem.source}`),
    );
  });

  it("accepts the ciphertext Pulumi writes", () => {
    const file = readStackFile(join(__dirname, "fixtures"), "encrypted");
    expect(file.undecrypted).toEqual(["platform:kubeconfig"]);
  });
});

describe("config values that become Kubernetes names", () => {
  // Each field, with where it lives in the stack file; the local stack provides the rest.
  const fields: Array<[field: string, set: (config: Record<string, string>, value: string) => void]> = [
    ["gateway.className", (c, v) => patch(c, "platform:gateway", (g) => Object.assign(g, { className: v }))],
    [
      "gateway.tlsSecretName",
      (c, v) => patch(c, "platform:gateway", (g) => Object.assign(g, { tlsSecretName: v })),
    ],
    [
      "gateway.allowFrom.namespaces[0]",
      (c, v) => patch(c, "platform:gateway", (g) => Object.assign(g, { allowFrom: { namespaces: [v] } })),
    ],
    ["images.pullSecret", (c, v) => patch(c, "platform:images", (i) => Object.assign(i, { pullSecret: v }))],
    ["monitoringNamespace", (c, v) => Object.assign(c, { "platform:monitoringNamespace": v })],
    [
      "backing.storageClass",
      (c, v) => patch(c, "platform:backing", (b) => Object.assign(b, { storageClass: v })),
    ],
  ];
  const notNames = [
    "envoy; rm -rf /",
    "Monitoring NS",
    "UPPER",
    "-leading-dash",
    "trailing.",
    "a".repeat(254),
    "tab\there",
  ];

  it.each(fields.flatMap(([field, set]) => notNames.map((value) => [field, value, set] as const)))(
    "refuses %s = %j with the naming rule",
    async (field, value, set) => {
      const config = localConfig();
      set(config, value);
      const message = await planError(config);
      expect(message).toMatch(
        new RegExp(`platform:${field.replace(/[.[\]]/g, "\\$&")}: must be (a Kubernetes|at most)`),
      );
      expectOnlyProblemLines(message);
    },
  );

  it("accepts names that follow the rules", async () => {
    const config = localConfig();
    for (const [, set] of fields) set(config, "team-a.example");
    // Namespace names are labels: no dots.
    Object.assign(config, { "platform:monitoringNamespace": "monitoring-2" });
    patch(config, "platform:gateway", (g) =>
      Object.assign(g, { allowFrom: { namespaces: ["envoy-gateway-system"] } }),
    );
    const run = await runProgram({ stack: "local", config });
    expect(run.error?.message).toBeUndefined();
  });
});

describe("messages are safe to print in a CI log", () => {
  it("escapes control characters of keys and values", async () => {
    const forged = "\u001b[2K\r::error file=x::forged\nstacks/Pulumi.local.yaml: all good\u009b31m\u2028";
    const message = await planError({
      ...localConfig(),
      [`platform:${forged}`]: "1",
      "platform:logLevel": forged,
      [`platfrom:${forged}`]: "1",
    });
    expect(message).toContain(
      "\\e[2K\\r::error file=x::forged\\nstacks/Pulumi.local.yaml: all good\\u{9b}31m\\u{2028}",
    );
    expectOnlyProblemLines(message);
  });

  it("escapes control characters of a stack file's own mistakes", () => {
    const document = localDocument();
    document["\u001b]0;pwned\u0007top\nlevel"] = 1;
    expectOnlyProblemLines(stackFileError(document));
  });

  it("cuts a 2 MB value", async () => {
    const huge = "A".repeat(2_000_000);
    const message = await planError({
      ...localConfig(),
      "platform:namespace": huge,
      [`platform:${huge}`]: "1",
    });
    expect(message.length).toBeLessThan(3_000);
    expect(message).toContain("(2,000,000 characters)");
  });

  it("lists the first problems of 20,000 and sums up the rest", async () => {
    const config = localConfig();
    for (let i = 0; i < 20_000; i++) config[`platform:unknown${i}`] = "1";
    const message = await planError(config);
    const lines = message.split("\n");
    expect(lines.length).toBe(SHOWN_PROBLEMS * 2 + 1);
    expect(lines.at(-1)).toBe(
      `… and ${(20_000 - SHOWN_PROBLEMS).toLocaleString("en")} more problems (20,000 in all; not shown: ${(20_000 - SHOWN_PROBLEMS).toLocaleString("en")} × unknown key)`,
    );
  });

  it("sums up 20,000 overrides of services that are not in the catalog", async () => {
    const services = Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`svc${i}`, {}]));
    const message = await planError({ ...localConfig(), "platform:services": JSON.stringify(services) });
    expect(message.split("\n").length).toBe(SHOWN_PROBLEMS * 2 + 1);
    expect(message).toMatch(/… and 19,980 more problems \(20,000 in all; not shown: /);
  });
});

function patch(
  config: Record<string, string>,
  key: string,
  change: (value: Record<string, unknown>) => void,
): void {
  const value = JSON.parse(config[key] ?? "{}") as Record<string, unknown>;
  change(value);
  config[key] = JSON.stringify(value);
}
