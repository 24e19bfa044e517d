import { mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { CREDENTIALS_VERSION_ANNOTATION } from "../../components/service/app-settings";
import type { ServiceSpec } from "../../components/service/spec";
import { setSecretCommand } from "../../infra/service-settings";
import { redact, reveal } from "../../tools/plan/redact";
import { writePlan } from "../../tools/plan/render";
import { inputs, ofType, planStack, T } from "../azure/helpers";
import { catalog } from "../helpers/catalog";
import { nonEmpty } from "../helpers/non-empty";
import { baseConfig, type KubeObject, type Planned, plan } from "../helpers/program";

// A service's own settings and secrets: where each value comes from, that a missing one stops the
// program with the command to run, that no value is ever written in plain text, and that a new
// value rolls the pods.

const withSecrets = catalog.filter((s) => (s.secrets ?? []).length > 0);
const withEnv = catalog.filter((s) => Object.keys(s.env ?? {}).length > 0);
const required = (s: ServiceSpec) => (s.secrets ?? []).filter((x) => !x.optional && !x.generate);
const generated = (s: ServiceSpec) => (s.secrets ?? []).filter((x) => x.generate);
const optional = (s: ServiceSpec) => (s.secrets ?? []).filter((x) => x.optional);
/** A value per required secret, recognisable in any file. */
const secretValue = (service: string, name: string, round = 1) => `v${round}-${service}-${name}-7f3a9c2e41d8`;
const secretsConfig = (round = 1) =>
  JSON.stringify(
    Object.fromEntries(
      withSecrets.map((s) => [
        s.name,
        Object.fromEntries(required(s).map((x) => [x.name, secretValue(s.name, x.name, round)])),
      ]),
    ),
  );
const withValues = (round = 1) =>
  plan(baseConfig(), { raw: { "platform:secrets": secretsConfig(round) }, secretKeys: ["platform:secrets"] });

const podTemplateOf = (o: KubeObject) =>
  o.kind === "CronJob" ? o.spec.jobTemplate.spec.template : o.spec.template;
const workloadsOf = (p: Planned, service: string) =>
  ["Deployment", "Job", "CronJob"]
    .flatMap((k) => p.all(k))
    .filter((o) => o.metadata.labels?.["app.kubernetes.io/name"] === service);

let planned: Planned;
let rotated: Planned;

beforeAll(async () => {
  planned = await withValues(1);
  rotated = await withValues(2);
  expect(planned.run.error).toBeUndefined();
  expect(rotated.run.error).toBeUndefined();
}, 120_000);

describe("the catalog", () => {
  it("declares secrets of every kind: required, generated and optional", () => {
    expect(withSecrets.flatMap(required).length).toBeGreaterThan(0);
    expect(withSecrets.flatMap(generated).length).toBeGreaterThan(0);
    expect(withSecrets.flatMap(optional).length).toBeGreaterThan(0);
    expect(withEnv.length).toBeGreaterThan(0);
  });
});

describe("values", () => {
  it("has secrets of every kind in the catalog to check (required, optional, generated)", () => {
    nonEmpty(withSecrets.flatMap(required), "required secrets");
    nonEmpty(withSecrets.flatMap(optional), "optional secrets");
    nonEmpty(withSecrets.flatMap(generated), "generated secrets");
  });

  it.each(withSecrets.map((s) => [s.name, s]))(
    "%s: every secret with a value is a secretKeyRef, optional ones without none",
    (_, s) => {
      const spec = s as ServiceSpec;
      const env = planned.environment("Deployment", spec.name);
      for (const x of [...required(spec), ...generated(spec)])
        expect(env[x.name], x.name).toHaveProperty("secretKeyRef");
      for (const x of optional(spec)) expect(env[x.name], x.name).toBeUndefined();
      const secret = planned
        .all("Secret")
        .find((o) => o.stringData?.[required(spec)[0]?.name ?? generated(spec)[0]?.name ?? ""]);
      for (const x of required(spec)) expect(secret?.stringData[x.name]).toBe(secretValue(spec.name, x.name));
      for (const x of generated(spec))
        expect(secret?.stringData[x.name]).toHaveLength(x.generate?.length ?? 64);
    },
  );

  it("puts plain settings in the ConfigMap, and MAILER_DSN as the null transport until a relay is set", () => {
    for (const s of nonEmpty(withEnv))
      expect(planned.environment("Deployment", s.name)).toMatchObject({
        ...s.env,
        MAILER_DSN: "null://null",
      });
  });

  it("delivers MAILER_DSN as a secret with the relay's egress when the stack sets one", async () => {
    const dsn = "smtp://mailer:s3cr3t-relay-pass@relay.example.com:587";
    const p = await plan(
      { ...baseConfig(), generateMissingSecrets: true, mailer: { relay: { cidrs: ["10.20.30.40/32"] } } },
      { raw: { "platform:mailerDsn": dsn }, secretKeys: ["platform:mailerDsn"] },
    );
    expect(p.run.error).toBeUndefined();
    const s = catalog[0] as ServiceSpec;
    expect(p.environment("Deployment", s.name).MAILER_DSN).toHaveProperty("secretKeyRef");
    const egress = p.one("NetworkPolicy", s.name).spec.egress;
    expect(egress).toContainEqual({
      to: [{ ipBlock: { cidr: "10.20.30.40/32" } }],
      ports: [{ port: 587, protocol: "TCP" }],
    });
    // In the state as a secret, and nowhere once secrets are masked (what the plan writes).
    expect(JSON.stringify(reveal(p.run.resources.map((r) => r.inputs)))).toContain(dsn);
    expect(JSON.stringify(redact(p.run.resources.map((r) => r.inputs)))).not.toContain("s3cr3t-relay-pass");
  }, 60_000);

  it("generates every missing secret on a stack that allows it (local, ci)", async () => {
    const p = await plan({ ...baseConfig(), generateMissingSecrets: true });
    expect(p.run.error).toBeUndefined();
    nonEmpty(withSecrets.flatMap(required), "required secrets in the catalog");
    for (const s of nonEmpty(withSecrets))
      for (const x of required(s))
        expect(p.environment("Deployment", s.name)[x.name]).toHaveProperty("secretKeyRef");
  }, 60_000);
});

describe("plain settings", () => {
  it("are judged as the policy pack judges them: a credential hidden in env is refused at input", async () => {
    const s = withEnv[0] as ServiceSpec;
    const value = "sk_live_51HxQmLkz8f7TqW2p9";
    const leaky = { ...s, env: { ...s.env, PAYMENT_API_TOKEN: value } };
    const p = await plan(
      { ...baseConfig(), only: [s.name] },
      { catalog: catalog.map((x) => (x.name === s.name ? leaky : x)) },
    );
    expect(p.resources).toHaveLength(0);
    expect(p.run.error?.problems.map((x) => x.field)).toEqual(["env.PAYMENT_API_TOKEN"]);
    expect(p.run.error?.message).not.toContain(value);
  }, 60_000);

  it("may not take over a variable the platform sets", async () => {
    const s = withEnv[0] as ServiceSpec;
    const p = await plan(baseConfig(), {
      catalog: catalog.map((x) =>
        x.name === s.name ? { ...s, env: { ...s.env, APP__LOG__STREAM: "/var/log/app.log" } } : x,
      ),
    });
    expect(p.run.error?.problems.map((x) => x.field)).toContain("env.APP__LOG__STREAM");
  }, 60_000);
});

describe("a missing secret", () => {
  it("stops the program before anything exists, naming the command that sets it", async () => {
    const p = await plan({ ...baseConfig(), generateMissingSecrets: false });
    const missing = withSecrets.flatMap((s) => required(s).map((x) => [s.name, x.name] as const));
    expect(p.run.error?.problems.map((x) => x.field).sort()).toEqual(
      missing.map(([s, n]) => `platform:secrets.${s}.${n}`).sort(),
    );
    for (const [s, n] of nonEmpty(missing)) {
      const problem = p.run.error?.problems.find((x) => x.field === `platform:secrets.${s}.${n}`);
      expect(problem?.fix).toContain(setSecretCommand("test", s, n));
    }
    expect(setSecretCommand("prod", "authentication", "JWT_PASSPHRASE")).toBe(
      "pulumi config set --secret --path 'platform:secrets.authentication.JWT_PASSPHRASE' <value> -s prod",
    );
    expect(p.resources.filter((r) => r.custom)).toEqual([]);
  }, 60_000);

  it("refuses a value for a service or a secret the catalog does not declare", async () => {
    const p = await plan(
      { ...baseConfig(), generateMissingSecrets: false },
      {
        raw: { "platform:secrets": JSON.stringify({ authentification: { X: "1" }, config: { TOKEN: "1" } }) },
        secretKeys: ["platform:secrets"],
      },
    );
    const fields = p.run.error?.problems.map((x) => x.field) ?? [];
    expect(fields).toContain("platform:secrets.authentification");
    expect(fields).toContain("platform:secrets.config.TOKEN");
    expect(p.run.error?.problems.find((x) => x.field === "platform:secrets.authentification")?.fix).toMatch(
      /did you mean "authentication"/,
    );
  }, 60_000);

  it("refuses generateMissingSecrets outside local and ci stacks", async () => {
    const p = await plan({ ...baseConfig(), environment: "dev", generateMissingSecrets: true });
    expect(p.run.error?.problems.map((x) => x.field)).toContain("platform:generateMissingSecrets");
  }, 60_000);
});

describe("secrecy", () => {
  it("never writes a configured value in plain text: manifests, resources, outputs", () => {
    const dir = mkdtempSync(join(tmpdir(), "secrets-plan-"));
    writePlan(dir, planned.run.resources, planned.run.outputs, "flowchart LR");
    const files = (d: string): string[] =>
      readdirSync(d).flatMap((f) => (statSync(join(d, f)).isDirectory() ? files(join(d, f)) : [join(d, f)]));
    const values = withSecrets.flatMap((s) => required(s).map((x) => secretValue(s.name, x.name)));
    // The values are in the state (as secrets): the search looks for something that is there.
    expect(JSON.stringify(planned.run.resources.map((r) => reveal(r.state)))).toContain(values[0]);
    for (const path of nonEmpty(files(dir))) {
      const text = readFileSync(path, "utf8");
      for (const v of nonEmpty(values)) expect(text.includes(v), `${path} leaks ${v}`).toBe(false);
    }
  });
});

describe("rotation", () => {
  it("changes the credentials version of every pod template of the service, and only its", () => {
    for (const s of nonEmpty(catalog)) {
      for (const o of nonEmpty(workloadsOf(planned, s.name))) {
        const before = podTemplateOf(o).metadata.annotations?.[CREDENTIALS_VERSION_ANNOTATION];
        const after = podTemplateOf(rotated.one(o.kind, o.metadata.name)).metadata.annotations?.[
          CREDENTIALS_VERSION_ANNOTATION
        ];
        expect(before, `${o.kind} ${o.metadata.name}`).toMatch(/^[0-9a-f]{16}$/);
        if (required(s).length > 0) expect(after, o.metadata.name).not.toBe(before);
        else expect(after, o.metadata.name).toBe(before);
      }
    }
  });
});

describe("on Azure", () => {
  let prod: Planned;
  beforeAll(async () => {
    prod = await planStack("prod");
    expect(prod.run.error).toBeUndefined();
  }, 60_000);

  it("reads secrets set out of band from Key Vault, and stores generated ones there", () => {
    const spc = prod
      .all("SecretProviderClass")
      .find((o) => o.metadata.labels?.["app.kubernetes.io/name"] === withSecrets[0]?.name);
    const objects = String(spc?.spec.parameters.objects);
    const s = withSecrets[0] as ServiceSpec;
    for (const x of [...required(s), ...generated(s)]) expect(objects).toContain(`objectAlias: ${x.name}`);
    const created = ofType(prod, T.secret).map((r) => inputs(r).secretName as string);
    for (const x of nonEmpty(generated(s)))
      expect(created.some((n) => n.endsWith(x.name.toLowerCase().replaceAll("_", "-")))).toBe(true);
    for (const x of nonEmpty(required(s)))
      expect(created.some((n) => n.includes(x.name.toLowerCase().replaceAll("_", "-")))).toBe(false);
    const web = prod.one("Deployment", s.name);
    expect(web.spec.template.metadata.annotations[CREDENTIALS_VERSION_ANNOTATION]).toMatch(/^[0-9a-f]{8}$/);
  });
});
