import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { isPlatformInputError } from "../../components/errors/input-error";
import { loadCatalog, SERVICE_SPECS_ENV } from "../../infra/catalog/load";
import { harness } from "../ephemeral/helpers";
import { catalog } from "../helpers/catalog";
import { baseConfig, plan } from "../helpers/program";

// Every mistake a PHP developer can make in a spec file gives one message naming the file, the
// field and the fix; the program registers nothing, and nobody sees a stack trace. Most cases run
// the real program in process (the spec reaches it through PLATFORM_SERVICE_SPECS, as under
// `pulumi up`); a few run the real `npm run plan` and `npm run ephemeral` command lines.

const ROOT = join(__dirname, "..", "..");
const TSX = join(ROOT, "node_modules", ".bin", "tsx");

/** A valid spec with `extra` lines appended (or replacing fields given in `without`). */
function spec(extra = "", options: { name?: string; without?: string[] } = {}): string {
  const fields: Record<string, string> = {
    name: `name: ${options.name ?? "probe"}`,
    description: "description: A probe service.",
    dependsOn: "dependsOn: []",
    readinessPath: "readinessPath: /health/ready",
    web: "web:\n  size: small",
  };
  for (const key of options.without ?? []) delete fields[key];
  return `${Object.values(fields).join("\n")}\n${extra}`;
}

const withRoute = catalog.find((s) => (s.routes ?? []).length > 0);
const takenRoute = withRoute?.routes?.[0]?.pathPrefix as string;
const existing = catalog[0]?.name as string;

/** label, the files of the case (written to a temporary directory), the message expected. */
const cases: Array<[string, Record<string, string>, RegExp]> = [
  [
    "a misspelt field",
    { "probe.yaml": spec().replace("dependsOn:", "dependOn:") },
    /probe\.yaml:3:1: dependOn: unknown field "dependOn"\n {2}fix: did you mean "dependsOn"\?$/,
  ],
  [
    "an unknown field nothing resembles",
    { "probe.yaml": spec("team: editorial\n") },
    /probe\.yaml:7:1: team: unknown field "team"\n {2}fix: remove it; the fields here are name, description, image, dependsOn/,
  ],
  [
    "a misspelt nested field",
    {
      "probe.yaml": spec().replace(
        "size: small",
        "size: { cpuMillis: 100, memoryMiB: 256, memoryLimitMib: 300 }",
      ),
    },
    /web\.size\.memoryLimitMib: unknown field "memoryLimitMib"\n {2}fix: did you mean "memoryLimitMiB"\?/,
  ],
  [
    "an unknown size",
    { "probe.yaml": spec().replace("size: small", "size: xl") },
    /probe\.yaml:6:9: web\.size: unknown size "xl"\n {2}fix: use one of small, medium, large, or a mapping \(fields: cpuMillis, memoryMiB, memoryLimitMiB\)/,
  ],
  [
    "a misspelt enum value",
    {
      "probe.yaml": spec(
        "messaging:\n  exchanges: [{ name: probe, type: topical }]\n  queues: []\n  consumers: []\n",
      ),
    },
    /messaging\.exchanges\[0\]\.type: unknown type "topical"\n {2}fix: did you mean "topic"\? use one of direct, topic, fanout, headers/,
  ],
  [
    "a missing required field",
    { "probe.yaml": spec("", { without: ["readinessPath"] }) },
    /readinessPath: required field "readinessPath" is missing\n {2}fix: add it, e.g\. readinessPath: \/health\/ready/,
  ],
  [
    "a string where a list belongs",
    { "probe.yaml": spec().replace("dependsOn: []", "dependsOn: content") },
    /dependsOn: expected an array, got string "content"\n {2}fix: write it as e\.g\. dependsOn: \[ content, notification \]/,
  ],
  [
    "a quoted number",
    { "probe.yaml": spec('  replicas: { min: "2", max: 3 }\n') },
    /web\.replicas\.min: expected a number, got string "2"\n {2}fix: write the number unquoted: 2/,
  ],
  [
    "a fractional replica count",
    { "probe.yaml": spec("  replicas: { min: 1.5, max: 3 }\n") },
    /web\.replicas\.min: expected a whole number, got number 1\.5/,
  ],
  [
    "a number where a string belongs",
    { "probe.yaml": spec().replace("description: A probe service.", "description: 42") },
    /description: expected a string, got number 42\n {2}fix: write it as e\.g\. description: Weekly newsletters built from content\. \(quote it so YAML keeps it a string\)/,
  ],
  [
    "an empty description",
    { "probe.yaml": spec().replace("description: A probe service.", 'description: ""') },
    /description: must not be empty/,
  ],
  [
    "redis: true",
    { "probe.yaml": spec("redis: true\n") },
    /redis: boolean true is not accepted here\n {2}fix: use false, or a mapping \(fields: dedicated\)/,
  ],
  [
    "a PHP memory_limit out of range",
    { "probe.yaml": spec("php: { memoryLimitMiB: 9000 }\n") },
    /php\.memoryLimitMiB: 9000 is out of range\n {2}fix: use a whole number from 32 to 4096/,
  ],
  [
    "a job deadline of zero",
    {
      "probe.yaml": spec(
        'scheduledJobs: [{ name: purge, schedule: "@daily", command: [app:purge], deadlineSeconds: 0 }]\n',
      ),
    },
    /scheduledJobs\[0\]\.deadlineSeconds: 0 is out of range\n {2}fix: use a whole number of at least 1/,
  ],
  [
    "a YAML syntax error",
    { "probe.yaml": spec().replace("dependsOn: []", "dependsOn: [config") },
    /probe\.yaml:4:1: \(syntax\): invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a \]\n {2}fix: fix the YAML syntax there/,
  ],
  [
    "a duplicate key",
    { "probe.yaml": spec("description: Again.\n") },
    /probe\.yaml:7:1: \(syntax\): invalid YAML: Map keys must be unique\n {2}fix: keep one of the two keys/,
  ],
  [
    "an alias",
    { "probe.yaml": spec("buckets: &b [{ name: a, purpose: b }]\nroutes: *b\n") },
    /probe\.yaml:8:9: \(syntax\): uses the alias \*b: anchors and aliases are not accepted\n {2}fix: write the value out in full/,
  ],
  [
    "a billion-laughs file",
    {
      "probe.yaml": `a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n`,
    },
    /probe\.yaml:2:8: \(syntax\): uses the alias \*a/,
  ],
  [
    "a YAML tag",
    { "probe.yaml": spec("image: !!js/function 'x'\n") },
    /\(syntax\): invalid YAML: Unresolved tag: tag:yaml\.org,2002:js\/function\n {2}fix: remove the tag/,
  ],
  [
    "two documents in one file",
    { "probe.yaml": `${spec()}---\n${spec()}` },
    /\(syntax\): invalid YAML: holds several YAML documents\n {2}fix: keep one document per file/,
  ],
  [
    "a list instead of a mapping",
    { "probe.yaml": "- name: probe\n" },
    /probe\.yaml:1:1: \(top level\): holds a list, not a mapping of fields/,
  ],
  [
    "a bare value",
    { "probe.yaml": "probe\n" },
    /probe\.yaml:1:1: \(top level\): holds a single value, not a mapping of fields/,
  ],
  [
    "an empty file",
    { "probe.yaml": "# nothing yet\n" },
    /probe\.yaml: \(file\): is empty\n {2}fix: write one service as `key: value` lines \(name, description, dependsOn, readinessPath, web\)/,
  ],
  [
    "a name that is not a DNS label",
    { "probe.yaml": spec("", { name: "News_letter" }) },
    /probe\.yaml:1:7: name: "News_letter" is not a DNS-1035 label of at most 30 characters/,
  ],
  [
    "a reserved name",
    { "probe.yaml": spec("", { name: "redis" }) },
    /name: "redis" is reserved for a platform component/,
  ],
  [
    "an unknown dependency",
    { "probe.yaml": spec().replace("dependsOn: []", `dependsOn: [${existing}x]`) },
    new RegExp(
      `probe\\.yaml:3:13: dependsOn\\[0\\]: unknown service "${existing}x"\\n {2}fix: did you mean "${existing}"\\?`,
    ),
  ],
  [
    "a dependency cycle",
    {
      "a.yaml": spec("", { name: "cycle-a" }).replace("dependsOn: []", "dependsOn: [cycle-b]"),
      "b.yaml": spec("", { name: "cycle-b" }).replace("dependsOn: []", "dependsOn: [cycle-a]"),
    },
    /a\.yaml:3:12: dependsOn: dependency cycle cycle-a -> cycle-b -> cycle-a\n {2}fix: remove one of these edges/,
  ],
  [
    "a route another service owns",
    { "probe.yaml": spec(`routes: [{ pathPrefix: ${takenRoute} }]\n`) },
    new RegExp(
      `routes\\[0\\]\\.pathPrefix: "${takenRoute}" is already routed to "${withRoute?.name}"|"${takenRoute}" is already routed to "probe"`,
    ),
  ],
  [
    "a consumer of an undeclared queue",
    {
      "probe.yaml": spec(
        "messaging:\n  exchanges: []\n  queues: []\n  consumers: [{ name: worker, queues: [probe.jobs] }]\n",
      ),
    },
    /messaging\.consumers\[0\]\.queues: queue "probe\.jobs" is not declared by this service\n {2}fix: declare "probe\.jobs" in messaging\.queues/,
  ],
  [
    "a memory_limit the container cannot hold",
    { "probe.yaml": spec("php: { memoryLimitMiB: 300 }\n") },
    /php\.memoryLimitMiB: PHP may use 300 MiB per request but the container is limited to 256 MiB/,
  ],
  [
    "a replicated service without Redis",
    { "probe.yaml": spec("  replicas: { min: 2, max: 3 }\nredis: false\n") },
    /redis: a service that can run more than one replica has no shared Redis/,
  ],
  [
    "cron: hour 25",
    {
      "probe.yaml": spec('scheduledJobs: [{ name: purge, schedule: "17 25 * * *", command: [app:purge] }]\n'),
    },
    /probe\.yaml:7:42: scheduledJobs\[0\]\.schedule: hour 25 is out of range \(allowed: 0-23\)/,
  ],
  [
    "cron: an unknown day name",
    {
      "probe.yaml": spec('scheduledJobs: [{ name: purge, schedule: "0 8 * * MOO", command: [app:purge] }]\n'),
    },
    /schedule: day of week "MOO" is not a number or name \(allowed: 0-6 or SUN-SAT\)/,
  ],
  [
    "cron: a month out of range",
    {
      "probe.yaml": spec('scheduledJobs: [{ name: purge, schedule: "0 8 1 13 *", command: [app:purge] }]\n'),
    },
    /schedule: month 13 is out of range \(allowed: 1-12 or JAN-DEC\)/,
  ],
  [
    "cron: six fields",
    {
      "probe.yaml": spec('scheduledJobs: [{ name: purge, schedule: "0 0 8 * * *", command: [app:purge] }]\n'),
    },
    /schedule: "0 0 8 \* \* \*" has 6 fields, not five/,
  ],
  [
    "cron: an unknown macro",
    { "probe.yaml": spec('scheduledJobs: [{ name: purge, schedule: "@weekdays", command: [app:purge] }]\n') },
    /schedule: "@weekdays" is not a macro Kubernetes knows \(@yearly, @annually/,
  ],
  [
    "cron: a step of zero",
    {
      "probe.yaml": spec('scheduledJobs: [{ name: purge, schedule: "*/0 * * * *", command: [app:purge] }]\n'),
    },
    /schedule: minute "\*\/0": the step "0" must be a positive whole number/,
  ],
  [
    "cron: a backwards range",
    {
      "probe.yaml": spec(
        'scheduledJobs: [{ name: purge, schedule: "0 18-8 * * *", command: [app:purge] }]\n',
      ),
    },
    /schedule: hour range "18-8" runs backwards/,
  ],
  [
    "the same service in two spec files",
    { "a.yaml": spec(), "b.yaml": spec("# the same service again\n") },
    /b\.yaml:1:7: name: service "probe" is also specified by .*a\.yaml\n {2}fix: pass one spec file per service/,
  ],
];

describe("bad spec files given with --service-spec (the program reads PLATFORM_SERVICE_SPECS)", () => {
  afterEach(() => {
    delete process.env[SERVICE_SPECS_ENV];
  });

  it("covers at least 25 distinct mistakes", () => {
    expect(new Set(cases.map(([label]) => label)).size).toBe(cases.length);
    expect(cases.length).toBeGreaterThanOrEqual(25);
  });

  it.each(cases)(
    "%s: one message with file, field and fix; nothing registered",
    async (_label, files, message) => {
      const dir = mkdtempSync(join(tmpdir(), "bad-spec-"));
      const paths = Object.entries(files).map(([name, text]) => {
        writeFileSync(join(dir, name), text);
        return join(dir, name);
      });
      process.env[SERVICE_SPECS_ENV] = paths.join(":");
      const planned = await plan(baseConfig());
      const error = planned.run.error;
      expect(isPlatformInputError(error)).toBe(true);
      expect(error?.message).toMatch(message);
      expect(error?.problems).toHaveLength(1);
      expect(error?.message).toMatch(/^\/.*: .*\n {2}fix: /);
      expect(error?.message).not.toMatch(/\n\s+at /);
      expect(planned.resources).toHaveLength(0);
    },
  );
});

describe("bad catalog directories", () => {
  const directory = (files: Record<string, string>): string => {
    const dir = mkdtempSync(join(tmpdir(), "bad-catalog-"));
    mkdirSync(dir, { recursive: true });
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    return dir;
  };
  const problemOf = (dir: string): string => {
    try {
      loadCatalog({ directory: dir });
    } catch (error) {
      expect(isPlatformInputError(error)).toBe(true);
      return (error as Error).message;
    }
    throw new Error("the catalog was accepted");
  };

  it("refuses a file whose name differs from the service's", () => {
    expect(problemOf(directory({ "news.yaml": spec("", { name: "newsletter" }) }))).toMatch(
      /news\.yaml:1:7: name: "newsletter" differs from the file name "news\.yaml"\n {2}fix: rename the file to newsletter\.yaml, or set name: news/,
    );
  });

  it("refuses an empty catalog", () => {
    expect(problemOf(directory({}))).toMatch(
      /: \(catalog\): the catalog has no service\n {2}fix: add a service spec, infra\/catalog\/services\/<name>\.yaml/,
    );
  });

  it("refuses a .yml file instead of ignoring it", () => {
    expect(problemOf(directory({ "probe.yml": spec() }))).toMatch(
      /probe\.yml: \(file\): is not a service spec: the catalog directory holds only <name>\.yaml files\n {2}fix: rename it to probe\.yaml/,
    );
  });

  it("refuses a spec file that does not exist", () => {
    expect(() => loadCatalog({ specFiles: ["no/such/spec.yaml"] })).toThrow(
      /^no\/such\/spec\.yaml: \(file\): does not exist\n {2}fix: check the path of a service spec$/,
    );
  });
});

describe("bad spec files on the real command lines", () => {
  const write = (text: string): string => {
    const file = join(mkdtempSync(join(tmpdir(), "bad-spec-cli-")), "probe.yaml");
    writeFileSync(file, text);
    return file;
  };
  const cli: Array<[string, string, RegExp]> = [
    [
      "a misspelt field",
      spec().replace("dependsOn:", "dependOn:"),
      /dependOn: unknown field "dependOn"\n {2}fix: did you mean "dependsOn"\?/,
    ],
    [
      "a YAML syntax error",
      spec().replace("dependsOn: []", "dependsOn: [config"),
      /probe\.yaml:4:1: \(syntax\): invalid YAML/,
    ],
    [
      "cron hour 25",
      spec('scheduledJobs: [{ name: purge, schedule: "17 25 * * *", command: [app:purge] }]\n'),
      /hour 25 is out of range \(allowed: 0-23\)/,
    ],
  ];

  it.each(cli)(
    "npm run plan -- --service-spec with %s exits 2 with the message only",
    (_label, text, message) => {
      const file = write(text);
      const out = mkdtempSync(join(tmpdir(), "bad-spec-out-"));
      const run = spawnSync(TSX, ["tools/plan.ts", "--out", out, "--service-spec", file], {
        cwd: ROOT,
        encoding: "utf8",
      });
      expect(run.status).toBe(2);
      expect(run.stdout).toBe("");
      expect(run.stderr).toMatch(/^plan: invalid input for stack local, nothing was planned:\n/);
      expect(run.stderr).toMatch(message);
      expect(run.stderr).not.toMatch(/\n\s+at /);
    },
    60_000,
  );

  it("npm run ephemeral -- up --service-spec refuses a bad spec before touching any stack", async () => {
    const h = harness();
    const file = write(spec().replace("size: small", "size: xl"));
    const code = await h.run("up", "--id", "77", "--image-tag", "v1.2.3", "--service-spec", file);
    expect(code).toBe(2);
    expect(h.driverRequests).toBe(0);
    expect(h.stderr()).toMatch(
      /^ephemeral: .*probe\.yaml:6:9: web\.size: unknown size "xl"\n {2}fix: use one of small, medium, large/,
    );
    expect(h.stderr()).not.toMatch(/\n\s+at /);
  });
});
