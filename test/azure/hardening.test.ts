import { beforeAll, describe, expect, it } from "vitest";
import { DIAGNOSTIC_CATEGORIES } from "../../components/azure/diagnostics";
import { AZURE_POSTGRES_ROOTS, POSTGRES_CA_DIR, POSTGRES_CA_FILE } from "../../components/azure/postgres-ca";
import { LOCK_NAME } from "../../components/azure/resource-lock";
import { LOCKED_TYPES, PROTECTED_INFRASTRUCTURE } from "../../policies/checks/protect-infrastructure-prod";
import type { RecordedResource } from "../../tools/plan/runtime";
import { nonEmpty } from "../helpers/non-empty";
import { type Planned, plan } from "../helpers/program";
import {
  byId,
  expectNoError,
  find,
  idOf,
  inputs,
  mandatoryViolations,
  ofType,
  planStack,
  stackValues,
  T,
} from "./helpers";

// The security settings a reviewer would block on, read off the rendered inputs of prod (and of
// staging where prod and non-prod differ), and the policies that refuse them when they go.

const T2 = {
  lock: "azure-native:authorization:ManagementLockByScope",
  diagnostics: "azure-native:monitor:DiagnosticSetting",
  nsg: "azure-native:network:NetworkSecurityGroup",
  blobService: "azure-native:storage:BlobServiceProperties",
  k8sProvider: "pulumi:providers:kubernetes",
} as const;

let prod: Planned;
let staging: Planned;
let ids: Map<string, RecordedResource>;

beforeAll(async () => {
  prod = await planStack("prod");
  staging = await planStack("staging");
  expectNoError(prod);
  expectNoError(staging);
  ids = byId(prod);
}, 240_000);

const deployerRanges = (stack: string) =>
  (stackValues(stack).azure as { deployer: { ipRanges: string[] } }).deployer.ipRanges;

describe("AKS", () => {
  it("restricts the API server to the deployer's and the admins' ranges", () => {
    const access = inputs(find(prod, T.cluster)).apiServerAccessProfile;
    expect(access.authorizedIPRanges).toEqual(expect.arrayContaining(deployerRanges("prod")));
    expect(access.authorizedIPRanges).not.toContain("0.0.0.0/0");
  });

  it("runs Defender against the workspace, the Azure Policy add-on, and encryption at host on every pool", () => {
    const cluster = inputs(find(prod, T.cluster));
    const workspace = find(prod, T.workspace);
    expect(cluster.securityProfile.defender).toEqual({
      logAnalyticsWorkspaceResourceId: idOf(workspace),
      securityMonitoring: { enabled: true },
    });
    expect(cluster.addonProfiles.azurepolicy).toEqual({ enabled: true });
    for (const pool of nonEmpty(cluster.agentPoolProfiles)) expect(pool.enableEncryptionAtHost).toBe(true);
    for (const pool of nonEmpty(ofType(prod, T.agentPool)))
      expect(inputs(pool).enableEncryptionAtHost).toBe(true);
  });

  it("refuses an open API server in prod before anything is registered", async () => {
    const values = structuredClone(stackValues("prod"));
    const azure = values.azure as { deployer: { ipRanges: string[] }; aks: Record<string, unknown> };
    azure.deployer.ipRanges = [];
    azure.aks.authorizedIpRanges = [];
    const open = await plan(values, { stack: "prod" });
    expect(open.run.error?.message).toMatch(
      /platform:azure\.aks\.authorizedIpRanges: is empty in prod, and the cluster is not private.*\n {2}fix: .*platform:azure\.aks\.privateCluster: true/,
    );
    expect(open.resources).toEqual([]);
    azure.aks.privateCluster = true;
    const closed = await plan(values, { stack: "prod" });
    expectNoError(closed);
    expect(inputs(find(closed, T.cluster)).apiServerAccessProfile).toEqual({ enablePrivateCluster: true });
  }, 120_000);
});

describe("container registry (Premium in prod)", () => {
  it("is firewalled to the deployer's ranges, reached by the nodes through a private endpoint, with retention", () => {
    const registry = find(prod, T.registry);
    const r = inputs(registry);
    expect(r.sku.name).toBe("Premium");
    expect(r.networkRuleSet.defaultAction).toBe("Deny");
    expect(r.networkRuleSet.ipRules.map((i: { iPAddressOrRange: string }) => i.iPAddressOrRange)).toEqual(
      deployerRanges("prod"),
    );
    expect(r.policies.retentionPolicy).toEqual({ status: "enabled", days: 7 });
    expect(r.policies.quarantinePolicy).toEqual({ status: "disabled" });
    const pe = find(
      prod,
      T.privateEndpoint,
      (i) => i.privateLinkServiceConnections[0].groupIds[0] === "registry",
    );
    expect(inputs(pe).privateLinkServiceConnections[0].privateLinkServiceId).toBe(idOf(registry));
  });

  it("disables public access altogether when the deployer runs inside the network", async () => {
    const values = structuredClone(stackValues("prod"));
    const azure = values.azure as { deployer: { ipRanges: string[] }; aks: Record<string, unknown> };
    azure.deployer.ipRanges = [];
    azure.aks.privateCluster = true;
    const inside = await plan(values, { stack: "prod" });
    expectNoError(inside);
    expect(inputs(find(inside, T.registry)).publicNetworkAccess).toBe("Disabled");
  }, 120_000);

  it("sends publicNetworkAccess explicitly below Premium (the SDK default is Enabled)", () => {
    const r = inputs(find(staging, T.registry));
    expect(r.sku.name).not.toBe("Premium");
    expect(r.publicNetworkAccess).toBe("Enabled");
  });
});

describe("diagnostic settings", () => {
  it("send the audit logs of Key Vault, Storage, PostgreSQL, the registry and AKS to the workspace", () => {
    const workspace = idOf(find(prod, T.workspace));
    const settings = ofType(prod, T2.diagnostics).map(inputs);
    const categoriesOf = (uri: string) =>
      settings
        .filter((s) => s.resourceUri === uri)
        .flatMap((s) => s.logs.map((l: { category: string }) => l.category));
    for (const s of nonEmpty(settings)) expect(s.workspaceId).toBe(workspace);
    expect(categoriesOf(idOf(find(prod, T.vault)))).toEqual([...DIAGNOSTIC_CATEGORIES.keyVault]);
    expect(categoriesOf(idOf(find(prod, T.cluster)))).toContain("kube-audit-admin");
    expect(categoriesOf(idOf(find(prod, T.registry))).length).toBeGreaterThan(0);
    expect(categoriesOf(`${idOf(find(prod, T.storageAccount))}/blobServices/default`).length).toBeGreaterThan(
      0,
    );
    for (const server of nonEmpty(ofType(prod, T.postgres)))
      expect(categoriesOf(idOf(server)), server.name).toEqual(["PostgreSQLLogs"]);
  });
});

describe("PostgreSQL clients", () => {
  // biome-ignore lint/suspicious/noExplicitAny: pod specs are navigated as plain objects.
  const podSpec = (o: any) => o.spec?.jobTemplate?.spec?.template?.spec ?? o.spec?.template?.spec;

  it("verify the server's certificate and host name against Azure's roots (sslmode=verify-full)", () => {
    const urls = ofType(prod, T.secret)
      .filter((r) => String(inputs(r).secretName).endsWith("-database-url"))
      .map((r) => String(inputs(r).properties.value));
    expect(urls.length).toBeGreaterThan(0);
    for (const url of nonEmpty(urls))
      expect(url).toMatch(new RegExp(`[?&]sslmode=verify-full&sslrootcert=${POSTGRES_CA_FILE}$`));
    const bundle = prod.objects.filter(
      (o) => o.kind === "ConfigMap" && o.metadata.name === "azure-postgres-ca",
    );
    // One in the services' namespace, one in the admin namespace of the setup Jobs.
    expect(bundle.map((b) => b.metadata.namespace).sort()).toEqual(["platform", "platform-admin"]);
    for (const b of bundle) {
      const pem = (b as unknown as { data: Record<string, string> }).data["ca.crt"];
      expect(pem).toBe(AZURE_POSTGRES_ROOTS);
      expect(pem?.match(/-----BEGIN CERTIFICATE-----/g)).toHaveLength(3);
    }
  });

  it("mount the roots wherever a DATABASE_URL is used, the role Jobs included", () => {
    let users = 0;
    for (const o of nonEmpty(prod.objects)) {
      const spec = podSpec(o);
      if (!spec) continue;
      const containers = [...(spec.initContainers ?? []), ...spec.containers];
      // biome-ignore lint/suspicious/noExplicitAny: see podSpec
      const usesDatabase = containers.filter((c: any) =>
        (c.env ?? []).some((e: { name: string }) => e.name === "DATABASE_URL" || e.name === "PGSSLROOTCERT"),
      );
      if (usesDatabase.length === 0) continue;
      users++;
      // biome-ignore lint/suspicious/noExplicitAny: see podSpec
      const volume = spec.volumes.find((v: any) => v.configMap?.name === "azure-postgres-ca");
      expect(volume, `${o.kind} ${o.metadata.name}`).toBeDefined();
      for (const c of nonEmpty(usesDatabase)) {
        expect(
          // biome-ignore lint/suspicious/noExplicitAny: see podSpec
          c.volumeMounts.some((m: any) => m.name === volume.name && m.mountPath === POSTGRES_CA_DIR),
          `${o.kind} ${o.metadata.name} ${c.name}`,
        ).toBe(true);
      }
    }
    expect(users).toBeGreaterThan(1);
    const setup = prod.objects.find(
      (o) => o.kind === "Job" && o.metadata.labels?.["app.kubernetes.io/component"] === "database-setup",
    );
    const env = Object.fromEntries(
      (podSpec(setup).containers[0].env as Array<{ name: string; value?: string }>).map((e) => [
        e.name,
        e.value,
      ]),
    );
    expect(env.PGSSLMODE).toBe("verify-full");
    expect(env.PGSSLROOTCERT).toBe(POSTGRES_CA_FILE);
  });
});

describe("network", () => {
  it("puts a network security group on every subnet", () => {
    const subnets = ofType(prod, T.subnet);
    expect(subnets.length).toBeGreaterThan(0);
    for (const s of nonEmpty(subnets))
      expect(ids.get(inputs(s).networkSecurityGroup.id)?.type ?? T2.nsg, s.name).toBe(T2.nsg);
    expect(new Set(subnets.map((s) => inputs(s).networkSecurityGroup.id)).size).toBe(subnets.length);
  });
});

describe("media", () => {
  it("keep versions and can be restored to a point in time within the soft-delete window", () => {
    const service = inputs(find(prod, T2.blobService));
    const days = (stackValues("prod").azure as { storage: { deleteRetentionDays: number } }).storage
      .deleteRetentionDays;
    expect(service.isVersioningEnabled).toBe(true);
    expect(service.changeFeed.enabled).toBe(true);
    expect(service.deleteRetentionPolicy.days).toBe(days);
    expect(service.restorePolicy).toEqual({ enabled: true, days: days - 1 });
  });
});

describe("production guards", () => {
  it("protect the resource group, network, cluster, registry, identities and workspace", () => {
    for (const type of nonEmpty(PROTECTED_INFRASTRUCTURE)) {
      const found = ofType(prod, type);
      expect(found.length, type).toBeGreaterThan(0);
      for (const r of nonEmpty(found)) expect(r.protect, `${type} ${r.name}`).toBe(true);
    }
    for (const type of nonEmpty(PROTECTED_INFRASTRUCTURE))
      for (const r of nonEmpty(ofType(staging, type))) expect(r.protect, r.name).toBe(false);
  });

  it("lock what holds data or runs the platform against deletion, in prod only", () => {
    const locks = ofType(prod, T2.lock).map(inputs);
    for (const l of nonEmpty(locks)) {
      expect(l.level).toBe("CanNotDelete");
      expect(l.lockName).toBe(LOCK_NAME);
    }
    const scopes = new Set(locks.map((l) => l.scope));
    for (const type of nonEmpty(LOCKED_TYPES))
      for (const r of nonEmpty(ofType(prod, type)))
        expect(scopes.has(idOf(r)), `${type} ${r.name}`).toBe(true);
    expect(ofType(staging, T2.lock)).toEqual([]);
  });

  it("keep Kubernetes objects in the state when the prod API server is unreachable", () => {
    const providers = (p: Planned) =>
      ofType(p, T2.k8sProvider).map((r) => String(inputs(r).deleteUnreachable));
    expect(providers(prod).length).toBeGreaterThan(0);
    expect(new Set(providers(prod))).toEqual(new Set(["false"]));
    expect(new Set(providers(staging))).toEqual(new Set(["true"]));
  });

  it("are refused by the pack when prod turns them off", async () => {
    const values = structuredClone(stackValues("prod"));
    (values.azure as Record<string, unknown>).protectStateful = false;
    (values.azure as Record<string, unknown>).logAnalyticsRetentionDays = 0;
    const bare = await plan(values, { stack: "prod" });
    expectNoError(bare);
    const policies = new Set(mandatoryViolations(bare, "prod", "prod").map((v) => v.policy));
    for (const p of [
      "protect-infrastructure-prod",
      "protect-stateful-prod",
      "azure-diagnostics-prod",
      "aks-defended",
    ]) {
      expect(policies, p).toContain(p);
    }
  }, 120_000);
});

describe("schema bounds that match Azure", () => {
  it("refuse a PostgreSQL disk above 32767 GiB and a Redis SKU outside the SDK's Managed Redis enum", async () => {
    const values = structuredClone(stackValues("staging"));
    const azure = values.azure as { postgres: Record<string, unknown>; redis: Record<string, unknown> };
    azure.postgres.storageSizeGb = 32_768;
    azure.redis.sku = "Enterprise_E10";
    const p = await plan(values, { stack: "staging" });
    expect(p.run.error?.message).toMatch(/platform:azure\.postgres\.storageSizeGb: .*32767/);
    expect(p.run.error?.message).toMatch(
      /platform:azure\.redis\.sku: must be an Azure Managed Redis SKU such as Balanced_B1/,
    );
    azure.postgres.storageSizeGb = 32_767;
    azure.redis.sku = "Balanced_B1000";
    expectNoError(await plan(values, { stack: "staging" }));
  }, 120_000);
});
