import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { entraTokenShell, POSTGRES_TOKEN_SCOPE, REDIS_TOKEN_SCOPE } from "../../components/azure/entra-token";
import { entraRoleSql } from "../../components/azure/postgres-entra-role";
import { needs } from "../../components/backing/kind";
import { databaseKind, redisKind } from "../../components/backing/kinds";
import { loadPackConfig } from "../../policies/runner/config";
import { MOCK_TENANT } from "../../tools/plan/mock-state-azure";
import { runPolicyGate } from "../../tools/plan/policy-gate";
import { reveal } from "../../tools/plan/redact";
import { catalog } from "../helpers/catalog";
import { type KubeObject, type Planned, plan } from "../helpers/program";
import { expectNoError, find, inputs, ofType, planStack, stackValues, state, T } from "./helpers";

// Passwordless by default: PostgreSQL with Entra authentication and Azure Managed Redis with
// access keys off, every service logging in as its workload identity; the password fallbacks only
// when the stack asks; and no administrator credential in the services' namespace, ever.

const APP = "platform";
const ADMIN = "platform-admin";
const withDatabase = catalog.filter((s) => needs(databaseKind, s)).map((s) => s.name);
const withRedis = catalog.filter((s) => needs(redisKind, s)).map((s) => s.name);

let prod: Planned;
let fallback: Planned;

/** The prod stack with both password fallbacks. */
function fallbackValues(): Record<string, unknown> {
  const values = stackValues("prod");
  const azure = values.azure as Record<string, Record<string, unknown>>;
  return {
    ...values,
    azure: {
      ...azure,
      postgres: { ...azure.postgres, authentication: "password" },
      redis: { ...azure.redis, authentication: "accessKey" },
    },
  };
}

beforeAll(async () => {
  // One program at a time: the mock runtime is process-wide.
  prod = await planStack("prod");
  expectNoError(prod);
  fallback = await plan(fallbackValues(), { stack: "prod" });
  expectNoError(fallback);
}, 180_000);

const serviceIdentity = (p: Planned, service: string) =>
  state(find(p, T.identity, (i) => i.resourceName.endsWith(`-${service}`)));
const envOf = (job: KubeObject): Record<string, string | undefined> =>
  Object.fromEntries(
    (job.spec.template.spec.containers[0].env as Array<{ name: string; value?: string }>).map((e) => [
      e.name,
      e.value,
    ]),
  );
const roleJobs = (p: Planned) =>
  p.all("Job").filter((j) => j.metadata.labels?.["app.kubernetes.io/component"] === "database-setup");

describe("PostgreSQL with Entra authentication (the default)", () => {
  it("accepts Entra logins only, with the setup identity as its Entra administrator", () => {
    const server = inputs(find(prod, T.postgres));
    expect(server.authConfig).toEqual({
      passwordAuth: "Disabled",
      activeDirectoryAuth: "Enabled",
      tenantId: MOCK_TENANT,
    });
    expect(server.administratorLogin).toBeUndefined();
    const setup = state(find(prod, T.identity, (i) => i.resourceName.endsWith("-psql-admin")));
    const admin = inputs(find(prod, "azure-native:dbforpostgresql:AdministratorsMicrosoftEntra"));
    expect(admin).toMatchObject({
      objectId: setup.principalId,
      principalName: setup.name,
      principalType: "ServicePrincipal",
      tenantId: MOCK_TENANT,
      serverName: server.serverName,
    });
    // The identity trusts exactly one ServiceAccount, in the admin namespace, which names it.
    const credential = inputs(find(prod, T.federated, (i) => i.resourceName === setup.name));
    expect(credential.subject).toBe(`system:serviceaccount:${ADMIN}:postgres-admin`);
    const account = prod.one("ServiceAccount", "postgres-admin");
    expect(account.metadata.namespace).toBe(ADMIN);
    expect(account.metadata.annotations?.["azure.workload.identity/client-id"]).toBe(setup.clientId);
  });

  it("maps each service's managed identity to its role through a Job in the admin namespace", () => {
    const jobs = roleJobs(prod);
    expect(jobs.map((j) => envOf(j).TENANT).sort()).toEqual([...withDatabase].sort());
    const setup = state(find(prod, T.identity, (i) => i.resourceName.endsWith("-psql-admin")));
    for (const job of jobs) {
      const env = envOf(job);
      const service = env.TENANT as string;
      expect(job.metadata.namespace).toBe(ADMIN);
      expect(env.TENANT_OBJECT_ID).toBe(serviceIdentity(prod, service).principalId);
      expect(env.PGUSER).toBe(setup.name);
      expect(env).toMatchObject({ PGSSLMODE: "verify-full", PGDATABASE: "postgres" });
      expect(env.PGPASSWORD).toBeUndefined();
      const pod = job.spec.template;
      expect(pod.metadata.labels["azure.workload.identity/use"]).toBe("true");
      expect(pod.spec.serviceAccountName).toBe("postgres-admin");
      // The password is an access token, fetched in the container from the federated token.
      expect(pod.spec.containers[0].command[2]).toContain(
        entraTokenShell("PGPASSWORD", POSTGRES_TOKEN_SCOPE),
      );
    }
  });

  it("runs the service's migration only once its role exists", () => {
    for (const service of withDatabase) {
      const role = prod.resources.find(
        (r) =>
          r.type === "kubernetes:batch/v1:Job" &&
          (reveal(r.state) as KubeObject).metadata.labels?.["app.kubernetes.io/component"] ===
            "database-setup" &&
          envOf(reveal(r.state) as KubeObject).TENANT === service,
      );
      const migration = prod.resources.find(
        (r) =>
          r.type === "kubernetes:batch/v1:Job" &&
          (reveal(r.state) as KubeObject).metadata.labels?.["app.kubernetes.io/component"] === "migration" &&
          (reveal(r.state) as KubeObject).metadata.labels?.["app.kubernetes.io/name"] === service,
      );
      expect(role, service).toBeDefined();
      expect(migration, service).toBeDefined();
      expect(migration?.dependencies, service).toContain(role?.urn);
    }
  });

  it("hands each service a DSN without a password, and says the password is an access token", () => {
    const host = state(find(prod, T.postgres)).fullyQualifiedDomainName;
    for (const service of withDatabase) {
      const url = inputs(find(prod, T.secret, (i) => i.secretName === `${service}-database-url`)).properties
        .value;
      expect(url).toMatch(new RegExp(`^postgresql://${service}@${host}:5432/${service}\\?`));
      expect(url).toContain("sslmode=verify-full");
      const env = prod.environment("Deployment", service);
      expect(env.APP__DATABASE__AUTH).toBe("workload-identity");
      expect(env.APP__DATABASE__TOKEN_SCOPE).toBe(POSTGRES_TOKEN_SCOPE);
    }
  });

  it("leaves no administrator password anywhere", () => {
    expect(prod.resources.filter((r) => /^postgres.*-admin-password$/.test(r.name))).toEqual([]);
    expect(fallback.resources.filter((r) => /^postgres.*-admin-password$/.test(r.name))).toHaveLength(1);
    expect(
      prod
        .all("Secret")
        .filter((s) => s.metadata.labels?.["app.kubernetes.io/component"] === "database-setup"),
    ).toEqual([]);
  });
});

describe("Azure Managed Redis with Entra authentication (the default)", () => {
  it("has access keys disabled and one access policy assignment per service identity and cluster", () => {
    const databases = ofType(prod, T.redisDatabase);
    expect(databases.length).toBeGreaterThan(0);
    for (const d of databases) expect(inputs(d).accessKeysAuthentication).toBe("Disabled");
    const assignments = ofType(prod, "azure-native:redisenterprise:AccessPolicyAssignment").map(inputs);
    for (const service of withRedis) {
      const principal = serviceIdentity(prod, service).principalId;
      const own = assignments.filter((a) => a.user.objectId === principal);
      expect(own.map((a) => a.clusterName).sort(), service).toEqual(
        databases.map((d) => inputs(d).clusterName).sort(),
      );
      for (const a of own) {
        expect(a.accessPolicyName).toBe("default");
        expect(a.accessPolicyAssignmentName).toMatch(/^[A-Za-z0-9]{1,60}$/);
      }
      const env = prod.environment("Deployment", service);
      expect(env.APP__REDIS__AUTH).toBe("workload-identity");
      expect(env.APP__REDIS__TOKEN_SCOPE).toBe(REDIS_TOKEN_SCOPE);
    }
    expect(assignments).toHaveLength(withRedis.length * databases.length);
  });
});

describe("the explicit fallbacks (postgres.authentication: password, redis.authentication: accessKey)", () => {
  it("turn password and access-key authentication on, and nothing else", () => {
    expect(inputs(find(fallback, T.postgres)).authConfig).toMatchObject({
      passwordAuth: "Enabled",
      activeDirectoryAuth: "Disabled",
    });
    expect(ofType(fallback, "azure-native:dbforpostgresql:AdministratorsMicrosoftEntra")).toEqual([]);
    expect(ofType(fallback, "azure-native:redisenterprise:AccessPolicyAssignment")).toEqual([]);
    for (const d of ofType(fallback, T.redisDatabase))
      expect(inputs(d).accessKeysAuthentication).toBe("Enabled");
    const url = inputs(find(fallback, T.secret, (i) => i.secretName === `${withDatabase[0]}-database-url`))
      .properties.value;
    expect(url).toMatch(/^postgresql:\/\/[a-z0-9-]+:[^@]+@/);
    expect(fallback.environment("Deployment", withDatabase[0] as string).APP__DATABASE__AUTH).toBeUndefined();
  });

  it("keep the administrator password out of every object of the services' namespace", () => {
    const password = reveal(
      fallback.resource(
        "random:index/randomPassword:RandomPassword",
        (r) => r.name === "postgres-admin-password",
      ).state,
    ) as { result: string };
    expect(password.result.length).toBeGreaterThanOrEqual(32);
    const holding = fallback.objects.filter((o) => JSON.stringify(o).includes(password.result));
    // It exists in the cluster exactly once, for the setup Job, in the admin namespace…
    expect(holding.map((o) => [o.kind, o.metadata.namespace])).toEqual([["Secret", ADMIN]]);
    // … and no object of the services' namespace carries it.
    expect(
      fallback.objects.filter(
        (o) => o.metadata.namespace === APP && JSON.stringify(o).includes(password.result),
      ),
    ).toEqual([]);
    const setup = fallback
      .all("Job")
      .filter((j) => j.metadata.labels?.["app.kubernetes.io/component"] === "database-setup");
    expect(setup.length).toBeGreaterThan(0);
    for (const j of setup) expect(j.metadata.namespace).toBe(ADMIN);
  });
});

describe("the passwordless-data-stores policy", () => {
  const findings = (p: Planned) =>
    runPolicyGate(p.resources, loadPackConfig("prod"), {
      "platform:stack": "prod",
      "platform:environment": "prod",
    }).violations.filter((v) => v.policy === "passwordless-data-stores");

  it("is quiet on the default and reports each fallback store, as advisory", () => {
    expect(findings(prod)).toEqual([]);
    const reported = findings(fallback);
    expect(reported.every((v) => v.enforcementLevel === "advisory")).toBe(true);
    expect(new Set(reported.map((v) => v.resource.type))).toEqual(
      new Set(["azure-native:dbforpostgresql:Server", "azure-native:redisenterprise:Database"]),
    );
    expect(reported.filter((v) => v.resource.type === T.redisDatabase)).toHaveLength(
      ofType(fallback, T.redisDatabase).length,
    );
  });
});

describe("the token exchange shell", () => {
  it("posts the federated token to Entra ID and exports the access token it answers", () => {
    const dir = mkdtempSync(join(tmpdir(), "entra-token-"));
    // A stand-in wget: records its arguments, answers like Entra ID's token endpoint.
    writeFileSync(
      join(dir, "wget"),
      `#!/bin/sh\nprintf '%s\\n' "$@" > "${dir}/args"\nprintf '{"token_type":"Bearer","expires_in":3599,"access_token":"eyJ0.eyJhdWQ-_x.c2ln"}'\n`,
    );
    chmodSync(join(dir, "wget"), 0o755);
    writeFileSync(join(dir, "federated"), "federated-jwt");
    const script = `${entraTokenShell("PGPASSWORD", POSTGRES_TOKEN_SCOPE)}\nprintf '%s' "$PGPASSWORD"`;
    const env = {
      PATH: `${dir}:${process.env.PATH}`,
      AZURE_CLIENT_ID: "client-1",
      AZURE_TENANT_ID: "tenant-1",
      AZURE_AUTHORITY_HOST: "https://login.microsoftonline.com/",
      AZURE_FEDERATED_TOKEN_FILE: join(dir, "federated"),
    };
    expect(execFileSync("sh", ["-c", script], { env, encoding: "utf8" })).toBe("eyJ0.eyJhdWQ-_x.c2ln");
    const args = readFileSync(join(dir, "args"), "utf8").trim().split("\n");
    expect(args.at(-1)).toBe("https://login.microsoftonline.com/tenant-1/oauth2/v2.0/token");
    const form = new URLSearchParams(args[args.indexOf("--post-data") + 1]);
    expect(Object.fromEntries(form)).toEqual({
      grant_type: "client_credentials",
      client_id: "client-1",
      scope: POSTGRES_TOKEN_SCOPE,
      client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
      client_assertion: "federated-jwt",
    });
  });

  it("fails when Entra ID answers without a token", () => {
    const dir = mkdtempSync(join(tmpdir(), "entra-token-"));
    writeFileSync(join(dir, "wget"), `#!/bin/sh\nprintf '{"error":"invalid_client"}'\n`);
    chmodSync(join(dir, "wget"), 0o755);
    writeFileSync(join(dir, "federated"), "x");
    const env = {
      PATH: `${dir}:${process.env.PATH}`,
      AZURE_CLIENT_ID: "c",
      AZURE_TENANT_ID: "t",
      AZURE_AUTHORITY_HOST: "https://login.microsoftonline.com/",
      AZURE_FEDERATED_TOKEN_FILE: join(dir, "federated"),
    };
    expect(() =>
      execFileSync("sh", ["-c", entraTokenShell("PGPASSWORD", POSTGRES_TOKEN_SCOPE)], { env, stdio: "pipe" }),
    ).toThrow(/no access token for https:\/\/ossrdbms-aad/);
  });
});

describe("the role script", () => {
  it("reads the tenant and the object id from the environment and labels the role for pgaadauth", () => {
    const sql = entraRoleSql();
    expect(sql).toContain("\\getenv tenant TENANT");
    expect(sql).toContain("\\getenv oid TENANT_OBJECT_ID");
    expect(sql).toContain(`SECURITY LABEL FOR "pgaadauth" ON ROLE %I IS %L`);
    expect(sql).toContain("aadauth,oid=%s,type=service");
    // No credential and no service name in the script itself: one script for every tenant.
    for (const service of withDatabase) expect(sql).not.toContain(`'${service}'`);
    expect(sql).not.toMatch(/PASSWORD/i);
  });
});
