import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { dnsServiceIp } from "../../components/azure/aks-cluster";
import { lokiValues } from "../../components/azure/azure-loki";
import { providerObjects } from "../../components/azure/key-vault-secret-store";
import { withKubeloginMode } from "../../components/azure/kubeconfig";
import { redisUrl } from "../../components/azure/managed-redis";
import { vaultSecretName } from "../../components/azure/naming";
import type { ServiceSpec } from "../../components/service/spec";
import { mockAksKubeconfig } from "../../tools/plan/mock-state-azure";
import { catalog } from "../helpers/catalog";
import { type Planned, plan } from "../helpers/program";
import { expectNoError, find, inputs, ofType, stackValues, T } from "./helpers";

// The Azure components' own logic, and the shared/dedicated switch of the catalog.

describe("kubeconfig", () => {
  it("is rewritten from device code to the configured kubelogin mode", () => {
    const raw = mockAksKubeconfig("aks-platform-prod", "aks.example.azmk8s.io");
    const user = (k: string) => parse(k).users[0].user.exec.args as string[];
    expect(user(raw)).toContain("devicecode");
    const cli = user(withKubeloginMode(raw, "azurecli"));
    expect(cli.slice(0, 3)).toEqual(["get-token", "--login", "azurecli"]);
    expect(cli).not.toContain("--client-id");
    expect(cli).toContain("--server-id");
  });
});

describe("Redis DSN", () => {
  it("encodes the access key, which holds base64 characters", () => {
    expect(redisUrl("r.westeurope.redis.azure.net", "a+b/c=")).toBe(
      "rediss://:a%2Bb%2Fc%3D@r.westeurope.redis.azure.net:10000",
    );
  });
});

describe("Key Vault objects", () => {
  it("name each secret after its service and variable, and alias it back to the variable", () => {
    expect(vaultSecretName("content", "IN_MEM_STORE__URI")).toBe("content-in-mem-store-uri");
    const objects = parse(
      providerObjects([{ objectName: vaultSecretName("content", "DATABASE_URL"), alias: "DATABASE_URL" }]),
    );
    expect(parse(objects.array[0])).toEqual({
      objectName: "content-database-url",
      objectType: "secret",
      objectAlias: "DATABASE_URL",
    });
  });
});

describe("network", () => {
  it("places the cluster DNS on the tenth address of the service range", () => {
    expect(dnsServiceIp("172.16.0.0/16")).toBe("172.16.0.10");
  });
});

describe("Loki values", () => {
  it("run Loki monolithic with chunks in Blob Storage through a federated token", () => {
    const values = lokiValues({
      accountName: "stplatformplprod",
      clientId: "client",
      containers: { chunks: "loki-chunks", ruler: "loki-ruler" },
      retentionHours: 168,
      replicas: 3,
      storageGi: 50,
      // biome-ignore lint/suspicious/noExplicitAny: free-form Helm values
    }) as Record<string, any>;
    expect(values.deploymentMode).toBe("Monolithic");
    expect(values.loki.storage).toEqual({
      type: "azure",
      bucketNames: { chunks: "loki-chunks", ruler: "loki-ruler", admin: "loki-chunks" },
      azure: { accountName: "stplatformplprod", useFederatedToken: true },
    });
    expect(values.loki.limits_config.retention_period).toBe("168h");
    expect(values.loki.commonConfig.replication_factor).toBe(3);
    expect(values.serviceAccount.annotations["azure.workload.identity/client-id"]).toBe("client");
    expect(values.loki.podLabels["azure.workload.identity/use"]).toBe("true");
  });
});

describe("a dedicated database and Redis (catalog: dedicated: true)", () => {
  let shared: Planned;
  let dedicated: Planned;
  const dedicatedCatalog: ServiceSpec[] = catalog.map((s) =>
    s.name === "content"
      ? { ...s, database: { ...s.database, dedicated: true }, redis: { dedicated: true } }
      : s,
  );

  beforeAll(async () => {
    const values = stackValues("staging");
    shared = await plan(values, { stack: "staging" });
    dedicated = await plan(values, { stack: "staging", catalog: dedicatedCatalog });
    expectNoError(shared);
    expectNoError(dedicated);
  }, 120_000);

  it("gives the service a server and a cache of its own through the same interface", () => {
    expect(ofType(shared, T.postgres)).toHaveLength(1);
    expect(
      ofType(dedicated, T.postgres)
        .map((r) => inputs(r).serverName)
        .sort(),
    ).toEqual(["psql-platform-content-plstg", "psql-platform-plstg"]);
    expect(
      ofType(dedicated, T.redis)
        .map((r) => inputs(r).clusterName)
        .sort(),
    ).toEqual([
      "redis-platform-cache-plstg",
      "redis-platform-content-cache-plstg",
      "redis-platform-content-plstg",
      "redis-platform-plstg",
    ]);
    const url = inputs(find(dedicated, T.secret, (i) => i.secretName === "content-database-url")).properties
      .value;
    expect(url).toMatch(/@psql-platform-content-plstg\.postgres\.database\.azure\.com:5432\/content\?/);
    const cache = inputs(find(dedicated, T.secret, (i) => i.secretName === "content-in-mem-store-uri"))
      .properties.value;
    expect(cache).toMatch(/@redis-platform-content-plstg\.westeurope\.redis\.azure\.net:10000$/);
    const cacheDsn = inputs(find(dedicated, T.secret, (i) => i.secretName === "content-cache-dsn")).properties
      .value;
    expect(cacheDsn).toMatch(/@redis-platform-content-cache-plstg\.westeurope\.redis\.azure\.net:10000$/);
  });

  it("keeps the service out of the shared server, and everything else unchanged", () => {
    const sharedDatabases = ofType(dedicated, T.postgresDatabase)
      .filter((r) => r.parent?.includes("FlexiblePostgres") && !r.name.startsWith("content-"))
      .map((r) => inputs(r).databaseName);
    expect(sharedDatabases).not.toContain("content");
    // The dedicated server's role is created the same way as the shared one's, on its own host.
    const roleHosts = Object.fromEntries(
      dedicated
        .all("Job")
        .filter((j) => j.metadata.labels?.["app.kubernetes.io/component"] === "database-setup")
        .map((j) => {
          const env = j.spec.template.spec.containers[0].env as Array<{ name: string; value?: string }>;
          const value = (name: string) => env.find((e) => e.name === name)?.value;
          return [value("TENANT"), value("PGHOST")];
        }),
    );
    expect(roleHosts.content).toBe("psql-platform-content-plstg.postgres.database.azure.com");
    const others = Object.entries(roleHosts).filter(([tenant]) => tenant !== "content");
    expect(others.length).toBeGreaterThan(0);
    for (const [, host] of others) expect(host).toBe("psql-platform-plstg.postgres.database.azure.com");
    // The service's pods do not change: only where its credentials point.
    expect(dedicated.one("Deployment", "content").spec.template.spec.volumes).toEqual(
      shared.one("Deployment", "content").spec.template.spec.volumes,
    );
  });
});
