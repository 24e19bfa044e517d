import { beforeAll, describe, expect, it } from "vitest";
import { isSecretWrapper, redact } from "../../tools/plan/redact";
import type { RecordedResource } from "../../tools/plan/runtime";
import { catalog } from "../helpers/catalog";
import { validateAgainstSchema } from "../helpers/manifest-schema";
import { nonEmpty } from "../helpers/non-empty";
import type { Planned } from "../helpers/program";
import {
  expectNoError,
  find,
  inputs,
  mandatoryViolations,
  ofType,
  planStack,
  stackValues,
  T,
} from "./helpers";

// The three Azure stacks as `npm run plan` renders them: they plan, pass the policy pack, render
// valid Kubernetes objects, keep secrets secret, and differ exactly where their stack files differ.

const STACKS = ["dev", "staging", "prod"] as const;
type Stack = (typeof STACKS)[number];
const plans = {} as Record<Stack, Planned>;

beforeAll(async () => {
  for (const s of STACKS) plans[s] = await planStack(s);
}, 180_000);

/** Custom resources without a published schema model; the tests check their envelope and fields. */
const CRD_KINDS = new Set(["SecretProviderClass", "RabbitmqCluster", "Issuer", "Certificate"]);

describe.each(STACKS)("stack %s", (stack) => {
  it("plans without an input error", () => {
    expectNoError(plans[stack]);
    expect(ofType(plans[stack], "platform:service:PhpService")).toHaveLength(catalog.length);
  });

  it("violates no mandatory policy (Azure policies included)", () => {
    const environment = stackValues(stack).environment as string;
    const mandatory = mandatoryViolations(plans[stack], stack, environment);
    expect(mandatory.map((v) => `[${v.policy}] ${v.message}`)).toEqual([]);
  });

  it("renders Kubernetes objects valid against their schemas (custom resources checked by the other tests)", async () => {
    const errors: string[] = [];
    const unvalidated = new Set<string>();
    for (const o of nonEmpty(plans[stack].objects)) {
      const result = await validateAgainstSchema(o);
      if (!result.validated) unvalidated.add(o.kind);
      if (result.error) errors.push(`${o.kind} ${o.metadata.name}: ${result.error}`);
      expect(o.apiVersion, `${o.kind} ${o.metadata.name}`).toMatch(/^([a-z0-9.-]+\/)?v[0-9a-z]+$/);
      expect(o.metadata.name).toMatch(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/);
    }
    expect(errors).toEqual([]);
    expect([...unvalidated].filter((k) => !CRD_KINDS.has(k))).toEqual([]);
  }, 60_000);

  it("exports endpoints and Azure locations, and the kubeconfig only as a secret", () => {
    const outputs = plans[stack].run.outputs;
    const azure = outputs.azure as Record<string, string>;
    expect(azure.keyVaultUri).toMatch(/^https:\/\/kv-platform-pl[a-z]+\.vault\.azure\.net\/$/);
    expect(azure.registryLoginServer).toMatch(/^acrplatformpl[a-z]+\.azurecr\.io$/);
    expect(azure.oidcIssuerUrl).toMatch(/^https:\/\/westeurope\.oic\.prod-aks\.azure\.com\//);
    const endpoints = outputs.endpoints as Record<string, string>;
    expect(endpoints.postgres).toMatch(/\.postgres\.database\.azure\.com:5432$/);
    expect(endpoints.redis).toMatch(/\.westeurope\.redis\.azure\.net:10000$/);
    expect(outputs.gatewayUrl).toMatch(/^https:\/\//);
    if (stack === "dev") {
      expect(outputs.kubeconfig).toBeUndefined();
    } else {
      expect(isSecretWrapper(outputs.kubeconfig)).toBe(true);
      const kubeconfig = (outputs.kubeconfig as { value: string }).value;
      // Rewritten for unattended use: no device-code login.
      expect(kubeconfig).toContain("- azurecli");
      expect(kubeconfig).not.toContain("devicecode");
    }
    // No credential in any non-secret output.
    expect(JSON.stringify(redact(outputs))).not.toMatch(/rediss:\/\/:|postgresql:\/\/|amqps:\/\//);
  });
});

describe("secrets", () => {
  /** Every string inside a Pulumi secret. */
  function secretStrings(value: unknown, found: string[] = [], inside = false): string[] {
    if (isSecretWrapper(value)) return secretStrings(value.value, found, true);
    if (typeof value === "string" && inside && value.length >= 12) found.push(value);
    else if (value && typeof value === "object")
      for (const v of Object.values(value)) secretStrings(v, found, inside);
    return found;
  }

  it("never appear in plain text in any resource input or output of prod", () => {
    const resources = plans.prod.resources;
    const secrets = new Set(
      resources.flatMap((r) => [...secretStrings(r.state), ...secretStrings(r.inputs)]),
    );
    expect(secrets.size).toBeGreaterThan(40);
    const lines = [...secrets].flatMap((s) =>
      s.split("\n").filter((l) => l.length >= 12 && /[0-9a-f]{8}/.test(l)),
    );
    const visible = JSON.stringify([
      ...resources.map((r) => redact(r.inputs)),
      ...resources.filter((r) => r.type !== "kubernetes:core/v1:Secret").map((r) => redact(r.state)),
      redact(plans.prod.run.outputs),
    ]);
    for (const line of nonEmpty(lines)) expect(visible.includes(line)).toBe(false);
  });

  it("reach Key Vault only as Pulumi secrets, and the database server has none (Entra only)", () => {
    for (const r of nonEmpty(ofType(plans.prod, T.secret)))
      expect(isSecretWrapper(r.inputs.properties), r.name).toBe(true);
    for (const r of nonEmpty(ofType(plans.prod, T.postgres)))
      expect(r.inputs.administratorLoginPassword).toBeUndefined();
    expect(plans.prod.resources.find((r) => r.name === "postgres-admin-password")).toBeUndefined();
  });
});

/** What the stack file decides, read off a plan. */
function fingerprint(p: Planned) {
  const cluster = p.resources.find((r) => r.type === T.cluster);
  const server = inputs(find(p, T.postgres));
  const redis = inputs(find(p, T.redis));
  const redisDb = inputs(find(p, T.redisDatabase));
  const workspace = p.resources.find((r) => r.type === T.workspace);
  const loki = p.resources.find(
    (r) => r.type === "kubernetes:helm.sh/v4:Chart" && inputs(r).chart === "loki",
  );
  return {
    cluster: cluster
      ? {
          created: true,
          tier: inputs(cluster).sku.tier,
          systemZones: inputs(cluster).agentPoolProfiles[0].availabilityZones ?? [],
          userZones: inputs(find(p, T.agentPool)).availabilityZones ?? [],
          userVmSize: inputs(find(p, T.agentPool)).vmSize,
        }
      : { created: false, peerings: ofType(p, T.peering).length },
    postgres: {
      sku: server.sku,
      ha: server.highAvailability.mode,
      geo: server.backup.geoRedundantBackup,
      retention: server.backup.backupRetentionDays,
      storage: server.storage.storageSizeGB,
    },
    redis: {
      sku: redis.sku.name,
      ha: redis.highAvailability,
      persistence: redisDb.persistence,
      clustering: redisDb.clusteringPolicy,
    },
    storage: inputs(find(p, T.storageAccount)).sku.name,
    registry: inputs(find(p, T.registry)).sku.name,
    rabbitmq: p.one("RabbitmqCluster", "rabbitmq").spec.replicas,
    loki: inputs(loki as RecordedResource).values.singleBinary.replicas,
    logAnalytics: workspace ? inputs(workspace).retentionInDays : 0,
    protected: [T.postgres, T.redis, T.storageAccount, T.vault].every((t) =>
      ofType(p, t).every((r) => r.protect),
    ),
    shipper: p.all("DaemonSet")[0]?.spec.template.spec.containers[0].name,
  };
}

/** The same facts, from the stack file and the schema defaults. */
function expected(stack: Stack) {
  // biome-ignore lint/suspicious/noExplicitAny: stack files are free-form YAML.
  const v = stackValues(stack) as any;
  const a = v.azure;
  const zones: string[] = a.zones ?? [];
  return {
    cluster: a.aks
      ? {
          created: true,
          tier: a.aks.tier,
          systemZones: zones,
          userZones: zones,
          userVmSize: a.aks.userPool.vmSize,
        }
      : { created: false, peerings: 2 },
    postgres: {
      sku: { name: a.postgres.skuName, tier: a.postgres.tier },
      ha: a.postgres.highAvailability ? "ZoneRedundant" : "Disabled",
      geo: a.postgres.geoRedundantBackup ? "Enabled" : "Disabled",
      retention: a.postgres.backupRetentionDays ?? 7,
      storage: a.postgres.storageSizeGb,
    },
    redis: {
      sku: a.redis.sku,
      ha: a.redis.highAvailability ? "Enabled" : "Disabled",
      persistence:
        a.redis.persistence === "aof"
          ? { aofEnabled: true, aofFrequency: "1s" }
          : a.redis.persistence === "rdb"
            ? { rdbEnabled: true, rdbFrequency: "1h" }
            : { aofEnabled: false, rdbEnabled: false },
      clustering: a.redis.clusteringPolicy ?? "EnterpriseCluster",
    },
    storage: `Standard_${a.storage.replication}`,
    registry: a.registry.sku,
    rabbitmq: a.rabbitmq.replicas,
    loki: a.loki.replicas,
    logAnalytics: a.logAnalyticsRetentionDays,
    protected: a.protectStateful ?? v.environment === "prod",
    shipper: v.logging.shipper,
  };
}

describe("dev, staging and prod", () => {
  it.each(STACKS)("%s differs from the others exactly where its stack file says", (stack) => {
    expect(fingerprint(plans[stack])).toEqual(expected(stack));
  });

  it("differ where cost and safety call for it", () => {
    const [dev, staging, prod] = STACKS.map((s) => fingerprint(plans[s]));
    expect(dev?.cluster.created).toBe(false);
    expect(prod?.postgres.ha).toBe("ZoneRedundant");
    expect(staging?.postgres.ha).toBe("Disabled");
    expect(prod?.protected).toBe(true);
    expect(dev?.protected || staging?.protected).toBe(false);
    expect(prod?.rabbitmq).toBe(3);
  });

  it("share every security setting, whatever the size", () => {
    const security = (p: Planned) => ({
      redisTls: inputs(find(p, T.redis)).minimumTlsVersion,
      redisProtocol: inputs(find(p, T.redisDatabase)).clientProtocol,
      postgresPublic: inputs(find(p, T.postgres)).network.publicNetworkAccess,
      vault: inputs(find(p, T.vault)).properties.enablePurgeProtection,
      sharedKey: inputs(find(p, T.storageAccount)).allowSharedKeyAccess,
      acrAdmin: inputs(find(p, T.registry)).adminUserEnabled,
    });
    const [dev, staging, prod] = STACKS.map((s) => security(plans[s]));
    expect(dev).toEqual(prod);
    expect(staging).toEqual(prod);
  });

  it("attaches dev to staging's cluster: stack reference, network peering both ways, zone links", () => {
    const dev = plans.dev;
    expect(dev.resources.some((r) => r.type === T.cluster)).toBe(false);
    // The provider reads the kubeconfig output of the staging stack (a StackReference read).
    const provider = dev.resources.find(
      (r) => r.type === "pulumi:providers:kubernetes" && r.name === "cluster",
    );
    expect(isSecretWrapper(provider?.inputs.kubeconfig)).toBe(true);
    expect(inputs(provider as RecordedResource).kubeconfig).toContain("the referenced stack's kubeconfig");
    const peerings = ofType(dev, T.peering).map((r) => inputs(r));
    expect(peerings.map((p) => p.resourceGroupName).sort()).toEqual([
      "rg-platform-dev",
      "rg-platform-staging",
    ]);
    // A network links one zone of a name only: dev's endpoints register in staging's privatelink
    // zones; dev's own PostgreSQL zone (a name of its own) is linked to staging's network.
    expect(ofType(dev, T.privateZone).map((r) => inputs(r).privateZoneName)).toEqual([
      "platform-dev.private.postgres.database.azure.com",
    ]);
    const attachedLinks = ofType(dev, "azure-native:privatedns:VirtualNetworkLink").filter(
      (r) => inputs(r).virtualNetworkLinkName === "link-vnet-platform-staging",
    );
    expect(attachedLinks).toHaveLength(1);
    for (const group of nonEmpty(ofType(dev, "azure-native:network:PrivateDnsZoneGroup"))) {
      expect(inputs(group).privateDnsZoneConfigs[0].privateDnsZoneId).toMatch(
        /^\/subscriptions\/[-0-9a-f]+\/resourceGroups\/rg-platform-staging\/providers\/Microsoft\.Network\/privateDnsZones\/privatelink\./,
      );
    }
    // The cluster-wide operators belong to the stack that owns the cluster.
    expect(dev.resources.some((r) => r.type === "kubernetes:yaml/v2:ConfigFile")).toBe(false);
    expect(plans.staging.resources.some((r) => r.type === "kubernetes:yaml/v2:ConfigFile")).toBe(true);
  });
});
