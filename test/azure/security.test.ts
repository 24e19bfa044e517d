import { beforeAll, describe, expect, it } from "vitest";
import { needs } from "../../components/backing/kind";
import { databaseKind, messageBrokerKind, objectStoreKind } from "../../components/backing/kinds";
import { MOCK_DEPLOYER, MOCK_SUBSCRIPTION } from "../../tools/plan/mock-state-azure";
import { isSecretWrapper } from "../../tools/plan/redact";
import type { RecordedResource } from "../../tools/plan/runtime";
import { catalog } from "../helpers/catalog";
import { nonEmpty } from "../helpers/non-empty";
import type { Planned } from "../helpers/program";
import { byId, expectNoError, find, idOf, inputs, ofType, planStack, stackValues, state, T } from "./helpers";

// The security settings each Azure component must carry, read off the prod plan (the stack the
// policies are strictest about). Resource ids are ARM ids answered by the mock runtime: a scope
// "equal to the container's id" is checked against exactly that container.

let prod: Planned;
let ids: Map<string, RecordedResource>;

beforeAll(async () => {
  prod = await planStack("prod");
  expectNoError(prod);
  ids = byId(prod);
}, 120_000);

const roleGuid = (roleDefinitionId: string) => roleDefinitionId.split("/").pop();
const ROLES = {
  acrPull: "7f951dda-4ed3-4680-a7ca-43fe172d538d",
  blobContributor: "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
  blobReader: "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1",
  secretsUser: "4633458b-17de-408a-b874-0445c86b69e6",
  networkContributor: "4d97b98b-1d4f-4787-a291-c67834d212e7",
  clusterAdmin: "b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b",
};

describe("Azure Managed Redis", () => {
  it("accepts TLS 1.2+ only, on 10000, with a clustering policy PHP clients understand", () => {
    const cluster = inputs(find(prod, T.redis));
    expect(cluster.minimumTlsVersion).toBe("1.2");
    expect(cluster.publicNetworkAccess).toBe("Disabled");
    const db = inputs(find(prod, T.redisDatabase));
    expect(db.clientProtocol).toBe("Encrypted");
    expect(db.port).toBe(10_000);
    expect(["EnterpriseCluster", "NoCluster"]).toContain(db.clusteringPolicy);
    // Passwordless by default: Entra users only (test/azure/passwordless.test.ts).
    for (const d of ofType(prod, T.redisDatabase))
      expect(inputs(d).accessKeysAuthentication).toBe("Disabled");
  });

  it("is reached through a private endpoint in the endpoints subnet", () => {
    const cluster = find(prod, T.redis);
    const pe = find(
      prod,
      T.privateEndpoint,
      (i) => i.privateLinkServiceConnections[0].groupIds[0] === "redisEnterprise",
    );
    const pei = inputs(pe);
    expect(pei.privateLinkServiceConnections[0].privateLinkServiceId).toBe(idOf(cluster));
    expect(ids.get(pei.subnet.id)?.name).toBe("foundation-private-endpoints-subnet");
  });

  it("hands each tenant a rediss:// DSN with its identity as the user, only as a Key Vault secret", () => {
    const host = state(find(prod, T.redis, (i) => !i.clusterName.includes("-cache-"))).hostName;
    const identity = state(find(prod, T.identity, (i) => i.resourceName.endsWith("-content")));
    for (const key of ["in-mem-store-uri", "lock-dsn"]) {
      const secret = find(prod, T.secret, (i) => i.secretName === `content-${key}`);
      // Nested secrets travel as a secret `properties` object (the engine marks whole top-level values).
      expect(isSecretWrapper(secret.inputs.properties)).toBe(true);
      expect(inputs(secret).properties.value).toBe(`rediss://${identity.principalId}@${host}:10000`);
    }
  });
});

describe("PostgreSQL flexible server", () => {
  it("has private access only: delegated subnet, private DNS zone, public access disabled", () => {
    const server = find(prod, T.postgres);
    const net = inputs(server).network;
    expect(net.publicNetworkAccess).toBe("Disabled");
    expect(ids.get(net.delegatedSubnetResourceId)?.name).toBe("foundation-postgres-subnet");
    const zone = ids.get(net.privateDnsZoneArmResourceId);
    expect(inputs(zone as RecordedResource).privateZoneName).toMatch(
      /\.private\.postgres\.database\.azure\.com$/,
    );
    const subnet = inputs(ids.get(net.delegatedSubnetResourceId) as RecordedResource);
    expect(subnet.delegations[0].serviceName).toBe("Microsoft.DBforPostgreSQL/flexibleServers");
  });

  it("pins the version, has no password at all and requires TLS", () => {
    const server = find(prod, T.postgres);
    expect(inputs(server).version).toBe("17");
    expect(inputs(server).authConfig).toMatchObject({
      passwordAuth: "Disabled",
      activeDirectoryAuth: "Enabled",
    });
    expect(server.inputs.administratorLoginPassword).toBeUndefined();
    const params = Object.fromEntries(
      ofType(prod, T.postgresConfiguration).map((c) => [inputs(c).configurationName, inputs(c).value]),
    );
    expect(params).toMatchObject({ require_secure_transport: "on", ssl_min_protocol_version: "TLSv1.2" });
    expect(Number(params.log_min_duration_statement)).toBeGreaterThan(0);
  });

  it("creates a database per tenant as an ARM resource, and its role through a Job in the admin namespace", () => {
    const tenants = catalog
      .filter((s) => needs(databaseKind, s))
      .map((s) => s.name)
      .sort();
    const databases = ofType(prod, T.postgresDatabase).map((d) => inputs(d).databaseName);
    expect(databases.sort()).toEqual(tenants);
    const jobs = prod
      .all("Job")
      .filter((j) => j.metadata.labels?.["app.kubernetes.io/component"] === "database-setup");
    const env = (j: (typeof jobs)[number]) =>
      Object.fromEntries(
        (j.spec.template.spec.containers[0].env as Array<{ name: string; value?: string }>).map((e) => [
          e.name,
          e.value,
        ]),
      );
    expect(jobs.map((j) => env(j).TENANT).sort()).toEqual(tenants);
    for (const j of jobs) {
      expect(j.metadata.namespace).toBe("platform-admin");
      expect(env(j).PGSSLMODE).toBe("verify-full");
      expect(env(j).PGPASSWORD).toBeUndefined();
    }
  });
});

describe("Blob Storage", () => {
  it("is HTTPS and TLS 1.2 only, with no public blob access, no shared keys and no public network", () => {
    const account = inputs(find(prod, T.storageAccount));
    expect(account).toMatchObject({
      enableHttpsTrafficOnly: true,
      minimumTlsVersion: "TLS1_2",
      allowBlobPublicAccess: false,
      allowSharedKeyAccess: false,
      publicNetworkAccess: "Disabled",
      networkRuleSet: { defaultAction: "Deny" },
    });
  });

  it("has one private container per catalog bucket, named <service>-<bucket>, plus Loki's", () => {
    const containers = ofType(prod, T.container).map((c) => inputs(c));
    for (const c of nonEmpty(containers)) expect(c.publicAccess).toBe("None");
    const expected = catalog.flatMap((s) =>
      (objectStoreKind.need(s) ?? []).map((b) => `${s.name}-${b.name}`),
    );
    expect(containers.map((c) => c.containerName).sort()).toEqual(
      [...expected, "loki-chunks", "loki-ruler"].sort(),
    );
  });

  it("grants each service a data role on its own containers only, to its own identity", () => {
    for (const s of nonEmpty(catalog.filter((c) => needs(objectStoreKind, c)))) {
      const identity = state(find(prod, T.identity, (i) => i.resourceName.endsWith(`-${s.name}`)));
      for (const b of s.buckets ?? []) {
        const container = find(prod, T.container, (i) => i.containerName === `${s.name}-${b.name}`);
        const grants = ofType(prod, T.role).filter((r) => inputs(r).scope === idOf(container));
        expect(grants.map((g) => inputs(g).principalId)).toEqual([identity.principalId]);
        expect(roleGuid(inputs(grants[0] as RecordedResource).roleDefinitionId)).toBe(
          b.access === "read-only" ? ROLES.blobReader : ROLES.blobContributor,
        );
      }
    }
  });

  it("reaches the services as workload-identity settings, without a connection string", () => {
    const env = prod.environment("Deployment", "media");
    expect(env).toMatchObject({
      APP__FLYSYSTEM_MEDIA_STORAGE: "azure_blob",
      APP__STORAGE__AUTH: "workload-identity",
      APP__STORAGE__ENDPOINT: "https://stplatformplprod.blob.core.windows.net/",
      APP__STORAGE__ORIGINALS__CONTAINER: "media-originals",
    });
    expect(env.APP__STORAGE__CONNECTION_STRING).toBeUndefined();
  });
});

describe("Key Vault", () => {
  it("uses RBAC, soft delete and purge protection, and no network but its deployer's ranges", () => {
    const props = inputs(find(prod, T.vault)).properties;
    expect(props).toMatchObject({
      enableRbacAuthorization: true,
      enableSoftDelete: true,
      enablePurgeProtection: true,
      networkAcls: { defaultAction: "Deny" },
    });
    const ranges = (stackValues("prod").azure as { deployer: { ipRanges: string[] } }).deployer.ipRanges;
    expect(props.networkAcls.ipRules.map((r: { value: string }) => r.value)).toEqual(ranges);
    const vault = find(prod, T.vault);
    const pe = find(
      prod,
      T.privateEndpoint,
      (i) => i.privateLinkServiceConnections[0].groupIds[0] === "vault",
    );
    expect(inputs(pe).privateLinkServiceConnections[0].privateLinkServiceId).toBe(idOf(vault));
  });

  it("stores every credential as a secret readable by its own service only (role on the secret)", () => {
    const secrets = ofType(prod, T.secret);
    expect(secrets.length).toBeGreaterThan(20);
    for (const secret of nonEmpty(secrets)) {
      const service = inputs(secret).tags.service as string;
      const identity = state(find(prod, T.identity, (i) => i.resourceName.endsWith(`-${service}`)));
      const grants = ofType(prod, T.role).filter((r) => inputs(r).scope === idOf(secret));
      expect(grants).toHaveLength(1);
      expect(inputs(grants[0] as RecordedResource).principalId).toBe(identity.principalId);
      expect(roleGuid(inputs(grants[0] as RecordedResource).roleDefinitionId)).toBe(ROLES.secretsUser);
      // The value went in as a Pulumi secret.
      expect(isSecretWrapper(secret.inputs.properties)).toBe(true);
    }
  });
});

describe("workload identity", () => {
  it("federates each service's identity with its ServiceAccount on the cluster's OIDC issuer", () => {
    const issuer = state(find(prod, T.cluster)).oidcIssuerProfile.issuerURL;
    for (const s of nonEmpty(catalog)) {
      const identity = find(prod, T.identity, (i) => i.resourceName === `id-platform-prod-${s.name}`);
      const credential = find(prod, T.federated, (i) => i.resourceName === inputs(identity).resourceName);
      expect(inputs(credential)).toMatchObject({
        subject: `system:serviceaccount:platform:${s.name}`,
        audiences: ["api://AzureADTokenExchange"],
        issuer,
      });
      const sa = prod.one("ServiceAccount", s.name);
      expect(sa.metadata.annotations?.["azure.workload.identity/client-id"]).toBe(state(identity).clientId);
      const pod = prod.one("Deployment", s.name).spec.template;
      expect(pod.metadata.labels["azure.workload.identity/use"]).toBe("true");
    }
  });

  it("lets pods reach Entra ID on 443 without the private ranges or the node's metadata endpoint", () => {
    const policy = prod.one("NetworkPolicy", "content");
    const entra = policy.spec.egress.find(
      (r: { to?: Array<{ ipBlock?: { cidr: string } }> }) => r.to?.[0]?.ipBlock?.cidr === "0.0.0.0/0",
    );
    expect(entra.ports).toEqual([{ port: 443, protocol: "TCP" }]);
    expect(entra.to[0].ipBlock.except).toEqual(expect.arrayContaining(["10.0.0.0/8", "169.254.0.0/16"]));
  });

  it("delivers credentials through a SecretProviderClass the pods mount read-only", () => {
    // SecretProviderClass has no published schema model: the envelope and the fields we rely on.
    const spc = prod.one("SecretProviderClass", "content-credentials");
    expect(spc.apiVersion).toBe("secrets-store.csi.x-k8s.io/v1");
    expect(spc.spec.provider).toBe("azure");
    expect(spc.spec.parameters).toMatchObject({
      usePodIdentity: "false",
      keyvaultName: "kv-platform-plprod",
    });
    expect(spc.spec.parameters.clientID).toBe(
      prod.one("ServiceAccount", "content").metadata.annotations?.["azure.workload.identity/client-id"],
    );
    expect(spc.spec.parameters.objects).toContain("objectName: content-database-url");
    expect(spc.spec.secretObjects[0].secretName).toBe("content-credentials");
    expect(spc.spec.secretObjects[0].data.map((d: { key: string }) => d.key)).toEqual(
      expect.arrayContaining(["DATABASE_URL", "IN_MEM_STORE__URI", "LOCK_DSN", "MESSENGER_TRANSPORT_DSN"]),
    );
    for (const name of ["content", "content-indexer"]) {
      const pod = prod.one("Deployment", name).spec.template.spec;
      const volume = pod.volumes.find((v: { csi?: unknown }) => v.csi);
      expect(volume.csi).toEqual({
        driver: "secrets-store.csi.k8s.io",
        readOnly: true,
        volumeAttributes: { secretProviderClass: "content-credentials" },
      });
      const mount = pod.containers[0].volumeMounts.find((m: { name: string }) => m.name === volume.name);
      expect(mount.readOnly).toBe(true);
      for (const e of nonEmpty(pod.containers[0].env)) {
        expect(e.value, e.name).toBeUndefined();
        expect(e.valueFrom.secretKeyRef.name).toBe("content-credentials");
      }
    }
  });

  it("never puts a credential in a ConfigMap", () => {
    for (const cm of nonEmpty(prod.all("ConfigMap"))) {
      const text = JSON.stringify(cm.data ?? {});
      expect(text, cm.metadata.name).not.toMatch(
        /rediss:\/\/:|postgresql:\/\/[^"]*:[^"]*@|amqps:\/\/[^"]*:[^"]*@/,
      );
    }
  });
});

describe("role assignments", () => {
  it("are scoped to one resource each, never to a subscription or a resource group", () => {
    const grants = ofType(prod, T.role);
    expect(grants.length).toBeGreaterThan(30);
    for (const g of nonEmpty(grants)) {
      const scope = inputs(g).scope as string;
      expect(scope, g.name).not.toMatch(/^\/subscriptions\/[^/]+(\/resourceGroups\/[^/]+)?\/?$/);
      // A Key Vault secret that operators set out of band (platform:secretRefs) is one secret of
      // the stack's own vault, read by one service: not created here, still one resource.
      const outOfBand = /^(.+\/vaults\/[^/]+)\/secrets\/([^/]+)$/.exec(scope);
      if (outOfBand && !ids.has(scope)) {
        expect(ids.get(outOfBand[1] as string)?.type, `${g.name} scope ${scope}`).toBe(
          "azure-native:keyvault:Vault",
        );
        const refs = Object.values(stackValues("prod").secretRefs as Record<string, Record<string, string>>);
        expect(refs.flatMap((r) => Object.values(r))).toContain(outOfBand[2]);
        continue;
      }
      const target = ids.get(scope);
      expect(target, `${g.name} scope ${scope}`).toBeDefined();
      expect([T.container, T.secret, T.subnet, T.registry, T.cluster, T.vault, T.metricsWorkspace]).toContain(
        target?.type,
      );
      expect(inputs(g).roleDefinitionId).toMatch(
        new RegExp(`^/subscriptions/${MOCK_SUBSCRIPTION}/providers/Microsoft.Authorization/roleDefinitions/`),
      );
    }
  });
});

describe("AKS", () => {
  it("is hardened: OIDC issuer, workload identity, Entra ID only, Cilium overlay, Key Vault add-on", () => {
    const c = inputs(find(prod, T.cluster));
    expect(c.oidcIssuerProfile.enabled).toBe(true);
    expect(c.securityProfile.workloadIdentity.enabled).toBe(true);
    expect(c.disableLocalAccounts).toBe(true);
    expect(c.aadProfile).toMatchObject({ managed: true, enableAzureRBAC: true });
    expect(c.aadProfile.adminGroupObjectIDs).toHaveLength(1);
    expect(c.networkProfile).toMatchObject({
      networkPlugin: "azure",
      networkPluginMode: "overlay",
      networkDataplane: "cilium",
      networkPolicy: "cilium",
    });
    expect(c.addonProfiles.azureKeyvaultSecretsProvider.enabled).toBe(true);
  });

  it("keeps the system pool in the cluster and the user pool as its own AgentPool, both zonal in prod", () => {
    const c = inputs(find(prod, T.cluster));
    expect(c.agentPoolProfiles).toHaveLength(1);
    expect(c.agentPoolProfiles[0]).toMatchObject({ mode: "System", availabilityZones: ["1", "2", "3"] });
    expect(c.agentPoolProfiles[0].nodeTaints).toEqual(["CriticalAddonsOnly=true:NoSchedule"]);
    const pool = inputs(find(prod, T.agentPool));
    expect(pool).toMatchObject({ mode: "User", availabilityZones: ["1", "2", "3"], enableAutoScaling: true });
  });

  it("grants the control plane its subnet, the deployer cluster-admin through Entra ID, the nodes AcrPull", () => {
    const grants = ofType(prod, T.role).map((g) => ({ ...inputs(g), target: ids.get(inputs(g).scope) }));
    const network = grants.find((g) => roleGuid(g.roleDefinitionId) === ROLES.networkContributor);
    expect(network?.target?.name).toBe("foundation-aks-subnet");
    const admin = grants.find((g) => roleGuid(g.roleDefinitionId) === ROLES.clusterAdmin);
    expect(admin?.principalId).toBe(MOCK_DEPLOYER);
    expect(admin?.target?.type).toBe(T.cluster);
    const pull = grants.find((g) => roleGuid(g.roleDefinitionId) === ROLES.acrPull);
    expect(pull?.target?.type).toBe(T.registry);
    expect(pull?.principalId).toBe(state(find(prod, T.cluster)).identityProfile.kubeletidentity.objectId);
  });

  it("has a registry without admin user or anonymous pull", () => {
    expect(inputs(find(prod, T.registry))).toMatchObject({
      adminUserEnabled: false,
      anonymousPullEnabled: false,
    });
  });
});

describe("RabbitMQ through its operator", () => {
  it("runs a RabbitmqCluster with TLS only, persistence, zone spread and definitions from a Secret", () => {
    // RabbitmqCluster has no published schema model: the envelope and the fields we rely on.
    const rmq = prod.one("RabbitmqCluster", "rabbitmq");
    expect(rmq.apiVersion).toBe("rabbitmq.com/v1beta1");
    expect(rmq.spec.replicas).toBe(3);
    expect(rmq.spec.tls).toEqual({ secretName: "rabbitmq-tls", disableNonTLSListeners: true });
    expect(rmq.spec.persistence.storage).toBe("50Gi");
    expect(rmq.spec.rabbitmq.additionalConfig).toContain(
      "definitions.local.path = /etc/rabbitmq/definitions/definitions.json",
    );
    const pod = rmq.spec.override.statefulSet.spec.template.spec;
    expect(pod.topologySpreadConstraints[0].topologyKey).toBe("topology.kubernetes.io/zone");
    const definitions = prod.resources.find(
      (r) => r.type === "kubernetes:core/v1:Secret" && inputs(r).stringData?.["definitions.json"],
    );
    expect(pod.volumes[0].secret.secretName).toBe(state(definitions as RecordedResource).metadata.name);
    const parsed = JSON.parse(state(definitions as RecordedResource).stringData["definitions.json"]);
    const tenants = catalog.filter((s) => needs(messageBrokerKind, s)).map((s) => s.name);
    expect(parsed.vhosts.map((v: { name: string }) => v.name).sort()).toEqual([...tenants].sort());
    expect(parsed.users.map((u: { name: string }) => u.name).sort()).toEqual(["admin", ...tenants].sort());
    expect(prod.one("PodDisruptionBudget", "rabbitmq").spec.maxUnavailable).toBe(1);
  });

  it("gives each tenant an amqps DSN to its own vhost, verified against the broker's CA", () => {
    const secret = find(prod, T.secret, (i) => i.secretName === "content-messenger-transport-dsn");
    expect(inputs(secret).properties.value).toMatch(
      /^amqps:\/\/content:[^@]+@rabbitmq\.platform\.svc\.cluster\.local:5671\/content\?cacert=\/etc\/platform\/tls\/rabbitmq\/ca\.crt$/,
    );
    const pod = prod.one("Deployment", "content").spec.template.spec;
    const ca = pod.volumes.find((v: { name: string }) => v.name === "rabbitmq-ca");
    // Only the CA certificate reaches the pod, never the server's private key.
    expect(ca.secret.items).toEqual([{ key: "ca.crt", path: "ca.crt" }]);
  });
});

describe("production safety", () => {
  it("protects and retains every stateful resource in prod", () => {
    for (const type of [
      T.postgres,
      T.postgresDatabase,
      T.redis,
      T.redisDatabase,
      T.storageAccount,
      T.container,
      T.vault,
    ]) {
      const found = ofType(prod, type);
      expect(found.length, type).toBeGreaterThan(0);
      for (const r of nonEmpty(found)) {
        expect(r.protect, r.name).toBe(true);
        expect(r.retainOnDelete, r.name).toBe(true);
      }
    }
  });
});
