import { type CallFn, digest, type IdFn, type State, type StateFn } from "./mock-kit";
import { isSecretWrapper, wrapSecret } from "./redact";

// What the offline plan answers for the Azure profile: each azure-native resource gets the
// outputs the real provider computes and the program reads (names, host names, the AKS OIDC
// issuer, identity client and principal ids, the vault URI, the blob endpoint...), and each
// provider function the program calls gets a realistic result. Deterministic, like the rest.
//
// Resource ids are ARM ids (`/subscriptions/.../providers/Microsoft.X/...`), so role assignment
// scopes and references read like the real ones.

export const MOCK_SUBSCRIPTION = "00000000-0000-0000-0000-000000000000";
export const MOCK_TENANT = "72f988bf-0000-4000-8000-00000000a2e5";
/** Object id of whoever runs `pulumi up` in the offline plan. */
export const MOCK_DEPLOYER = "d3b07384-d9a0-4c9b-8f1e-000000000001";

/** A stable GUID from some parts. */
export function mockGuid(...parts: string[]): string {
  const h = digest("guid", ...parts);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export function armId(resourceGroup: string, provider: string, ...path: string[]): string {
  return `/subscriptions/${MOCK_SUBSCRIPTION}/resourceGroups/${resourceGroup}/providers/${provider}/${path.join("/")}`;
}

const str = (v: unknown, fallback: string) => (typeof v === "string" && v !== "" ? v : fallback);

/** Every azure-native resource echoes its inputs, with `name` from its name input (or Pulumi's auto-name). */
function named(
  nameKey: string,
  extra: (name: string, inputs: State, logical: string) => State = () => ({}),
): StateFn {
  return (logical, inputs) => {
    const name = str(inputs[nameKey], `${logical}${digest("autoname", logical).slice(0, 6)}`);
    return { ...inputs, name, azureApiVersion: "mock", ...extra(name, inputs, logical) };
  };
}

const rg = (inputs: State) => str(inputs.resourceGroupName, "rg");
const location = (inputs: State) => str(inputs.location, "westeurope");

export const azureStates: ReadonlyArray<[string, StateFn]> = [
  [
    "azure-native:resources:ResourceGroup",
    named("resourceGroupName", () => ({ provisioningState: "Succeeded" })),
  ],
  [
    "azure-native:network:VirtualNetwork",
    named("virtualNetworkName", (name, inputs) => ({
      resourceGuid: mockGuid("vnet", name),
      location: location(inputs),
    })),
  ],
  [
    "azure-native:network:Subnet",
    named("subnetName", (name, inputs) => ({
      provisioningState: "Succeeded",
      addressPrefix: inputs.addressPrefix,
      etag: digest(name).slice(0, 8),
    })),
  ],
  [
    "azure-native:network:PrivateEndpoint",
    named("privateEndpointName", (name, inputs) => {
      const ip = `10.40.17.${(Number.parseInt(digest("pe", name).slice(0, 2), 16) % 200) + 10}`;
      return {
        customDnsConfigs: [{ fqdn: `${name}.privatelink.mock`, ipAddresses: [ip] }],
        networkInterfaces: [
          { id: armId(rg(inputs), "Microsoft.Network", "networkInterfaces", `${name}.nic`) },
        ],
      };
    }),
  ],
  ["azure-native:network:PrivateDnsZoneGroup", named("privateDnsZoneGroupName")],
  [
    "azure-native:network:VirtualNetworkPeering",
    named("virtualNetworkPeeringName", () => ({ peeringState: "Connected" })),
  ],
  ["azure-native:privatedns:PrivateZone", named("privateZoneName", () => ({ numberOfRecordSets: 1 }))],
  [
    "azure-native:privatedns:VirtualNetworkLink",
    named("virtualNetworkLinkName", () => ({ virtualNetworkLinkState: "Completed" })),
  ],
  [
    "azure-native:operationalinsights:Workspace",
    named("workspaceName", (name) => ({ customerId: mockGuid("workspace", name) })),
  ],
  [
    "azure-native:managedidentity:UserAssignedIdentity",
    named("resourceName", (name) => ({
      clientId: mockGuid("client", name),
      principalId: mockGuid("principal", name),
      tenantId: MOCK_TENANT,
    })),
  ],
  [
    "azure-native:managedidentity:FederatedIdentityCredential",
    named("federatedIdentityCredentialResourceName"),
  ],
  [
    "azure-native:authorization:RoleAssignment",
    named("roleAssignmentName", (_, inputs, logical) => ({
      name: mockGuid("role", logical, String(inputs.scope)),
    })),
  ],
  [
    "azure-native:containerservice:ManagedCluster",
    named("resourceName", (name, inputs) => ({
      fqdn: `${str(inputs.dnsPrefix, name)}-${digest("fqdn", name).slice(0, 8)}.hcp.${location(inputs)}.azmk8s.io`,
      currentKubernetesVersion: `${str(inputs.kubernetesVersion, "1.34")}.1`,
      oidcIssuerProfile: {
        enabled: true,
        issuerURL: `https://${location(inputs)}.oic.prod-aks.azure.com/${MOCK_TENANT}/${mockGuid("issuer", name)}/`,
      },
      identityProfile: {
        kubeletidentity: {
          clientId: mockGuid("kubelet-client", name),
          objectId: mockGuid("kubelet-object", name),
          resourceId: armId(
            str(inputs.nodeResourceGroup, "MC_rg"),
            "Microsoft.ManagedIdentity",
            "userAssignedIdentities",
            `${name}-agentpool`,
          ),
        },
      },
      powerState: { code: "Running" },
    })),
  ],
  [
    "azure-native:containerservice:AgentPool",
    named("agentPoolName", () => ({ provisioningState: "Succeeded" })),
  ],
  [
    "azure-native:containerregistry:Registry",
    named("registryName", (name) => ({ loginServer: `${name}.azurecr.io` })),
  ],
  [
    "azure-native:keyvault:Vault",
    named("vaultName", (name, inputs) => ({
      properties: {
        ...((inputs.properties as State | undefined) ?? {}),
        vaultUri: `https://${name}.vault.azure.net/`,
      },
    })),
  ],
  [
    "azure-native:keyvault:Secret",
    named("secretName", (name, inputs) => {
      const vault = str(inputs.vaultName, "vault");
      // The program marks the value secret, which wraps the whole `properties` input: unwrap it,
      // keep the value secret, and answer the URIs in the clear as Key Vault does.
      const given = (inputs.properties as State | undefined) ?? {};
      const properties = (isSecretWrapper(given) ? given.value : given) as State;
      return {
        properties: {
          ...properties,
          ...(properties.value !== undefined ? { value: wrapSecret(properties.value) } : {}),
          secretUri: `https://${vault}.vault.azure.net/secrets/${name}`,
          // Key Vault makes a new version for every new value.
          secretUriWithVersion: `https://${vault}.vault.azure.net/secrets/${name}/${digest("version", name, JSON.stringify(properties.value ?? null)).slice(0, 32)}`,
        },
      };
    }),
  ],
  [
    "azure-native:storage:StorageAccount",
    named("accountName", (name) => ({
      primaryEndpoints: {
        blob: `https://${name}.blob.core.windows.net/`,
        dfs: `https://${name}.dfs.core.windows.net/`,
        file: `https://${name}.file.core.windows.net/`,
        queue: `https://${name}.queue.core.windows.net/`,
        table: `https://${name}.table.core.windows.net/`,
        web: `https://${name}.z6.web.core.windows.net/`,
      },
      provisioningState: "Succeeded",
    })),
  ],
  ["azure-native:storage:BlobServiceProperties", named("blobServicesName")],
  [
    "azure-native:storage:BlobContainer",
    named("containerName", () => ({ hasImmutabilityPolicy: false, hasLegalHold: false })),
  ],
  [
    "azure-native:redisenterprise:RedisEnterprise",
    named("clusterName", (name, inputs) => ({
      hostName: `${name}.${location(inputs)}.redis.azure.net`,
      redisVersion: "7.4",
      provisioningState: "Succeeded",
    })),
  ],
  [
    "azure-native:redisenterprise:Database",
    named("databaseName", (_, inputs) => ({ port: inputs.port ?? 10_000 })),
  ],
  [
    "azure-native:dbforpostgresql:Server",
    named("serverName", (name) => ({
      fullyQualifiedDomainName: `${name}.postgres.database.azure.com`,
      state: "Ready",
    })),
  ],
  ["azure-native:dbforpostgresql:Configuration", named("configurationName")],
  ["azure-native:dbforpostgresql:Database", named("databaseName")],
  ["azure-native:dbforpostgresql:AdministratorsMicrosoftEntra", named("objectId")],
  ["azure-native:redisenterprise:AccessPolicyAssignment", named("accessPolicyAssignmentName")],
  ["azure-native:monitor:ActionGroup", named("actionGroupName")],
];

/** The kubeconfig AKS returns with format=exec for an Entra ID cluster (kubelogin, device code). */
export function mockAksKubeconfig(cluster: string, server: string): string {
  return [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    `- name: ${cluster}`,
    "  cluster:",
    "    certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCm1vY2sKLS0tLS1FTkQgQ0VSVElGSUNBVEUtLS0tLQo=",
    `    server: https://${server}:443`,
    "contexts:",
    `- name: ${cluster}`,
    "  context:",
    `    cluster: ${cluster}`,
    `    user: clusterUser_${cluster}`,
    `current-context: ${cluster}`,
    "users:",
    `- name: clusterUser_${cluster}`,
    "  user:",
    "    exec:",
    "      apiVersion: client.authentication.k8s.io/v1beta1",
    "      command: kubelogin",
    "      args:",
    "      - get-token",
    "      - --login",
    "      - devicecode",
    "      - --server-id",
    "      - 6dae42f8-4368-4678-94ff-3960e28e3630",
    "      - --client-id",
    "      - 80faf920-1908-4b52-b5ef-a8e7bedfc67a",
    "      - --tenant-id",
    `      - ${MOCK_TENANT}`,
    "      - --environment",
    "      - AzurePublicCloud",
    "      interactiveMode: IfAvailable",
    "",
  ].join("\n");
}

export const azureCalls: ReadonlyArray<[string, CallFn]> = [
  [
    "azure-native:authorization:getClientConfig",
    () => ({
      clientId: mockGuid("deployer-client"),
      objectId: MOCK_DEPLOYER,
      subscriptionId: MOCK_SUBSCRIPTION,
      tenantId: MOCK_TENANT,
    }),
  ],
  [
    "azure-native:containerservice:listManagedClusterUserCredentials",
    (inputs) => {
      const cluster = str(inputs.resourceName, "aks");
      const server = `${cluster}-${digest("fqdn", cluster).slice(0, 8)}.hcp.westeurope.azmk8s.io`;
      return {
        kubeconfigs: [
          { name: "clusterUser", value: Buffer.from(mockAksKubeconfig(cluster, server)).toString("base64") },
        ],
      };
    },
  ],
  [
    "azure-native:containerservice:getManagedCluster",
    (inputs) => {
      const name = str(inputs.resourceName, "aks");
      const group = str(inputs.resourceGroupName, "rg");
      return {
        id: armId(group, "Microsoft.ContainerService", "managedClusters", name),
        name,
        location: "westeurope",
        type: "Microsoft.ContainerService/ManagedClusters",
        oidcIssuerProfile: {
          enabled: true,
          issuerURL: `https://westeurope.oic.prod-aks.azure.com/${MOCK_TENANT}/${mockGuid("issuer", name)}/`,
        },
        securityProfile: { workloadIdentity: { enabled: true } },
        identityProfile: {
          kubeletidentity: {
            clientId: mockGuid("kubelet-client", name),
            objectId: mockGuid("kubelet-object", name),
            resourceId: armId(
              `MC_${group}`,
              "Microsoft.ManagedIdentity",
              "userAssignedIdentities",
              `${name}-agentpool`,
            ),
          },
        },
        networkProfile: { networkPlugin: "azure", networkPluginMode: "overlay", networkPolicy: "cilium" },
      };
    },
  ],
  [
    // A Key Vault secret that operators set out of band: its metadata, never a value.
    "azure-native:keyvault:getSecret",
    (inputs) => {
      const vault = String(inputs.vaultName);
      const name = String(inputs.secretName);
      return {
        id: `/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/${String(inputs.resourceGroupName)}/providers/Microsoft.KeyVault/vaults/${vault}/secrets/${name}`,
        name,
        properties: {
          secretUri: `https://${vault}.vault.azure.net/secrets/${name}`,
          secretUriWithVersion: `https://${vault}.vault.azure.net/secrets/${name}/${digest("version", name).slice(0, 32)}`,
        },
      };
    },
  ],
  [
    "azure-native:redisenterprise:listDatabaseKeys",
    (inputs) => ({
      // Real keys are base64 and hold '+', '/' and '=': the DSN must encode them.
      primaryKey: `${Buffer.from(digest("redis-primary", String(inputs.clusterName)), "hex").toString("base64")}`,
      secondaryKey: `${Buffer.from(digest("redis-secondary", String(inputs.clusterName)), "hex").toString("base64")}`,
    }),
  ],
];

/** `/subscriptions/.../resourceGroups/<rg>/providers/<namespace>/<path>` from the answered state. */
function arm(namespace: string, ...path: Array<(state: State) => string>): IdFn {
  return (_, state) => armId(rg(state), namespace, ...path.map((segment) => segment(state)));
}
const own = (state: State) => str(state.name, "unnamed");
const input = (key: string) => (state: State) => str(state[key], key);
const fixed = (segment: string) => () => segment;

export const azureIds: ReadonlyArray<[string, IdFn]> = [
  [
    "azure-native:resources:ResourceGroup",
    (_, state) => `/subscriptions/${MOCK_SUBSCRIPTION}/resourceGroups/${own(state)}`,
  ],
  ["azure-native:network:VirtualNetwork", arm("Microsoft.Network", fixed("virtualNetworks"), own)],
  [
    "azure-native:network:Subnet",
    arm("Microsoft.Network", fixed("virtualNetworks"), input("virtualNetworkName"), fixed("subnets"), own),
  ],
  [
    "azure-native:network:VirtualNetworkPeering",
    arm(
      "Microsoft.Network",
      fixed("virtualNetworks"),
      input("virtualNetworkName"),
      fixed("virtualNetworkPeerings"),
      own,
    ),
  ],
  ["azure-native:network:PrivateEndpoint", arm("Microsoft.Network", fixed("privateEndpoints"), own)],
  [
    "azure-native:network:PrivateDnsZoneGroup",
    arm(
      "Microsoft.Network",
      fixed("privateEndpoints"),
      input("privateEndpointName"),
      fixed("privateDnsZoneGroups"),
      own,
    ),
  ],
  ["azure-native:privatedns:PrivateZone", arm("Microsoft.Network", fixed("privateDnsZones"), own)],
  [
    "azure-native:privatedns:VirtualNetworkLink",
    arm(
      "Microsoft.Network",
      fixed("privateDnsZones"),
      input("privateZoneName"),
      fixed("virtualNetworkLinks"),
      own,
    ),
  ],
  [
    "azure-native:operationalinsights:Workspace",
    arm("Microsoft.OperationalInsights", fixed("workspaces"), own),
  ],
  [
    "azure-native:managedidentity:UserAssignedIdentity",
    arm("Microsoft.ManagedIdentity", fixed("userAssignedIdentities"), own),
  ],
  [
    "azure-native:managedidentity:FederatedIdentityCredential",
    arm(
      "Microsoft.ManagedIdentity",
      fixed("userAssignedIdentities"),
      input("resourceName"),
      fixed("federatedIdentityCredentials"),
      own,
    ),
  ],
  [
    "azure-native:authorization:RoleAssignment",
    (_, state) => `${str(state.scope, "")}/providers/Microsoft.Authorization/roleAssignments/${own(state)}`,
  ],
  [
    "azure-native:containerservice:ManagedCluster",
    arm("Microsoft.ContainerService", fixed("managedClusters"), own),
  ],
  [
    "azure-native:containerservice:AgentPool",
    arm(
      "Microsoft.ContainerService",
      fixed("managedClusters"),
      input("resourceName"),
      fixed("agentPools"),
      own,
    ),
  ],
  ["azure-native:containerregistry:Registry", arm("Microsoft.ContainerRegistry", fixed("registries"), own)],
  ["azure-native:keyvault:Vault", arm("Microsoft.KeyVault", fixed("vaults"), own)],
  [
    "azure-native:keyvault:Secret",
    arm("Microsoft.KeyVault", fixed("vaults"), input("vaultName"), fixed("secrets"), own),
  ],
  ["azure-native:storage:StorageAccount", arm("Microsoft.Storage", fixed("storageAccounts"), own)],
  [
    "azure-native:storage:BlobServiceProperties",
    arm(
      "Microsoft.Storage",
      fixed("storageAccounts"),
      input("accountName"),
      fixed("blobServices"),
      fixed("default"),
    ),
  ],
  [
    "azure-native:storage:BlobContainer",
    arm(
      "Microsoft.Storage",
      fixed("storageAccounts"),
      input("accountName"),
      fixed("blobServices/default/containers"),
      own,
    ),
  ],
  ["azure-native:redisenterprise:RedisEnterprise", arm("Microsoft.Cache", fixed("redisEnterprise"), own)],
  [
    "azure-native:redisenterprise:Database",
    arm("Microsoft.Cache", fixed("redisEnterprise"), input("clusterName"), fixed("databases"), own),
  ],
  ["azure-native:dbforpostgresql:Server", arm("Microsoft.DBforPostgreSQL", fixed("flexibleServers"), own)],
  [
    "azure-native:dbforpostgresql:Configuration",
    arm(
      "Microsoft.DBforPostgreSQL",
      fixed("flexibleServers"),
      input("serverName"),
      fixed("configurations"),
      own,
    ),
  ],
  [
    "azure-native:dbforpostgresql:Database",
    arm("Microsoft.DBforPostgreSQL", fixed("flexibleServers"), input("serverName"), fixed("databases"), own),
  ],
  [
    "azure-native:dbforpostgresql:AdministratorsMicrosoftEntra",
    arm(
      "Microsoft.DBforPostgreSQL",
      fixed("flexibleServers"),
      input("serverName"),
      fixed("administrators"),
      input("objectId"),
    ),
  ],
  ["azure-native:monitor:ActionGroup", arm("Microsoft.Insights", fixed("actionGroups"), own)],
  [
    "azure-native:redisenterprise:AccessPolicyAssignment",
    arm(
      "Microsoft.Cache",
      fixed("redisEnterprise"),
      input("clusterName"),
      fixed("databases"),
      input("databaseName"),
      fixed("accessPolicyAssignments"),
      own,
    ),
  ],
];
