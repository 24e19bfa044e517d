import { describe, expect, it } from "vitest";
import { eventLogPlaces, findLeaks, secretsConfigIn, secretValuesIn, serviceSecretValues } from "./secrets";

// The e2e's secret checks are only as good as these helpers: they must find every secret value
// of a decrypted export, and report a leak without ever printing the value.

const SIG = "4dabf18193072939515e22adb298388d";
const secret = (value: unknown) => ({
  [SIG]: "1b47061264138c4ac30d75fd1eb44270",
  plaintext: JSON.stringify(value),
});
const PASSWORD = "Xq7-long-generated-password-1";
const DSN = "postgresql://content:Xq7-long-generated-password-1@postgres:5432/content";

const exported = JSON.stringify({
  deployment: {
    resources: [
      { urn: "urn:a::RandomPassword::pw", outputs: { length: 24, result: secret(PASSWORD) } },
      {
        urn: "urn:a::Secret::creds",
        inputs: { metadata: { name: "creds" } },
        outputs: { stringData: secret({ DATABASE_URL: DSN, SHORT: "guest" }) },
      },
      { urn: "urn:a::ConfigMap::cfg", outputs: { data: { APP_ENV: "prod-environment-name" } } },
    ],
  },
});

describe("secretValuesIn", () => {
  it("finds every secret leaf of 12+ characters, nested objects included, with its resource", () => {
    const values = secretValuesIn(exported);
    expect(values).toEqual([
      { owner: "urn:a::RandomPassword::pw", value: PASSWORD },
      { owner: "urn:a::Secret::creds", value: DSN },
    ]);
  });

  it("ignores values that are not marked secret", () => {
    expect(secretValuesIn(exported).some((v) => v.value === "prod-environment-name")).toBe(false);
  });
});

describe("findLeaks", () => {
  const values = secretValuesIn(exported);

  it("names the resource and the place, and never the value", () => {
    const leaks = findLeaks(values, [{ label: "the job log", text: `connecting with ${DSN} now` }]);
    expect(leaks).toHaveLength(2); // the DSN, and the password inside it
    for (const leak of leaks) {
      expect(leak).toContain("in the job log");
      expect(leak).not.toContain(PASSWORD);
    }
    expect(leaks.join("\n")).toContain("urn:a::Secret::creds (");
    expect(leaks.join("\n")).toContain("urn:a::RandomPassword::pw (");
  });

  it("masks every secret value in the context it quotes", () => {
    const leaks = findLeaks(values, [{ label: "x", text: `pw=${PASSWORD} dsn=${DSN}` }]);
    const dsnLeak = leaks.find((l) => l.includes("urn:a::Secret::creds"));
    expect(dsnLeak).toContain('after "…pw=[secret] dsn="');
    expect(leaks.join("\n")).not.toContain(PASSWORD);
  });

  it("reports nothing when the places hold no secret value", () => {
    expect(
      findLeaks(values, [{ label: "state", text: `"result": "[secret]" ${PASSWORD.slice(0, 10)}` }]),
    ).toEqual([]);
  });
});

describe("eventLogPlaces", () => {
  const line = (event: object) => JSON.stringify({ sequence: 1, timestamp: 2, ...event });
  const log = [
    line({
      diagnosticEvent: { severity: "debug", message: `RegisterResource RPC finished: resp: ${PASSWORD}` },
    }),
    line({ diagnosticEvent: { severity: "info", message: "hello", urn: "urn:a::Deployment::web" } }),
    line({ resOutputsEvent: { metadata: { new: { outputs: { result: "[secret]" } } } } }),
    "",
  ].join("\n");

  it("keeps the engine's debug diagnostics apart from the other events, grouped by type", () => {
    const { places, engineDebug } = eventLogPlaces(log);
    expect(places.map((p) => p.label)).toEqual([
      "the engine's event log (diagnosticEvent)",
      "the engine's event log (resOutputsEvent)",
    ]);
    expect(engineDebug.text).toContain("RegisterResource RPC finished");
    expect(findLeaks(secretValuesIn(exported), places)).toEqual([]);
    expect(findLeaks(secretValuesIn(exported), [engineDebug])).toHaveLength(1);
  });
});

describe("serviceSecretValues", () => {
  const APP_SECRET = "generated-app-secret-of-sixty-four-characters";
  const JWT = "jwt-passphrase-from-the-stack-config";
  const decrypted = JSON.stringify({
    deployment: {
      resources: [
        {
          urn: "urn:pulumi:s::p::platform:service:PhpService::authentication",
          type: "platform:service:PhpService",
        },
        {
          urn: "urn:pulumi:s::p::platform:service:PhpService$random:index/randomPassword:RandomPassword::authentication-app-secret",
          type: "random:index/randomPassword:RandomPassword",
          outputs: { result: secret(APP_SECRET) },
        },
      ],
    },
  });
  const declared = [
    { service: "authentication", name: "APP_SECRET", optional: false },
    { service: "authentication", name: "JWT_PASSPHRASE", optional: false },
    { service: "authentication", name: "OAUTH_GOOGLE_CLIENT_SECRET", optional: true },
    { service: "not-deployed", name: "TOKEN", optional: false },
  ];

  it("finds generated values in the state and configured ones in the stack config, by service.NAME", () => {
    const found = serviceSecretValues(declared, { authentication: { JWT_PASSPHRASE: JWT } }, decrypted);
    expect(found.services).toEqual([
      { owner: "authentication.APP_SECRET (generated)", value: APP_SECRET },
      { owner: "authentication.JWT_PASSPHRASE (stack config)", value: JWT },
    ]);
    expect(found.missing).toEqual([]);
  });

  it("reports a required secret it cannot find, and one too short to search for", () => {
    expect(serviceSecretValues(declared, {}, decrypted).missing).toEqual([
      "authentication.JWT_PASSPHRASE: no value in the stack config or the state",
    ]);
    expect(
      serviceSecretValues(declared, { authentication: { JWT_PASSPHRASE: "short" } }, decrypted).missing,
    ).toEqual(["authentication.JWT_PASSPHRASE: shorter than 12 characters"]);
  });

  it("reads platform:secrets from `pulumi config --json --show-secrets`, as an object or a JSON string", () => {
    const secrets = { authentication: { JWT_PASSPHRASE: JWT } };
    expect(
      secretsConfigIn(JSON.stringify({ "platform:secrets": { objectValue: secrets, secret: true } })),
    ).toEqual(secrets);
    expect(
      secretsConfigIn(
        JSON.stringify({ "platform:secrets": { value: JSON.stringify(secrets), secret: true } }),
      ),
    ).toEqual(secrets);
    expect(secretsConfigIn(JSON.stringify({ "platform:namespace": { value: "platform" } }))).toEqual({});
  });
});
