import * as authorization from "@pulumi/azure-native/authorization";
import * as network from "@pulumi/azure-native/network";
import * as operationalinsights from "@pulumi/azure-native/operationalinsights";
import * as privatedns from "@pulumi/azure-native/privatedns";
import * as resources from "@pulumi/azure-native/resources";
import * as pulumi from "@pulumi/pulumi";
import { deployerPrincipalType, type PrincipalType } from "./deployer";
import { type DiagnosticTarget, sendDiagnostics } from "./diagnostics";
import type { AzureNames } from "./naming";
import { lockAgainstDelete } from "./resource-lock";

// What every other Azure resource of a stack sits in: the resource group, the virtual network
// with its three subnets (AKS nodes, PostgreSQL's delegated subnet, private endpoints), the
// private DNS zones that make the managed services resolve to private addresses inside the
// network, and the Log Analytics workspace that receives Azure's own resource logs (diagnostic
// settings, Defender). Container logs go to Loki, not to the workspace.

export interface NetworkPlan {
  addressSpace: string;
  aksSubnet: string;
  postgresSubnet: string;
  privateEndpointSubnet: string;
}

export interface AzureFoundationArgs {
  names: AzureNames;
  location: string;
  network: NetworkPlan;
  /** 0: no workspace. */
  logAnalyticsRetentionDays: number;
  tags: Record<string, string>;
  /**
   * Resource group holding the `privatelink.*` zones of the network the cluster lives in, when the
   * stack attaches to a cluster another stack owns: a network can be linked to one zone of a given
   * name only, so the endpoints register in the owner's zones instead of zones of their own.
   * @default - the stack creates and links its own `privatelink.*` zones
   */
  sharedPrivateLinkZonesGroup?: string;
  /**
   * The deployer's principal type.
   * @default - derived from the provider's login by `deployerPrincipalType()` (components/azure/deployer.ts): `User` for an Azure CLI login, else `ServicePrincipal`
   */
  deployerPrincipalType?: PrincipalType;
  /** Production: `protect` on the stack's infrastructure and CanNotDelete locks on what holds data or runs it. */
  protect: boolean;
}

/** The private DNS zones of the services reached through private endpoints or VNet integration. */
export type PrivateZoneKey = "postgres" | "blob" | "vault" | "redis" | "registry";

export const privateLinkZones: Record<Exclude<PrivateZoneKey, "postgres">, string> = {
  blob: "privatelink.blob.core.windows.net",
  vault: "privatelink.vaultcore.azure.net",
  // Azure Managed Redis (<name>.<region>.redis.azure.net).
  redis: "privatelink.redis.azure.net",
  // Premium registries (<name>.azurecr.io and <name>.<region>.data.azurecr.io).
  registry: "privatelink.azurecr.io",
};

export class AzureFoundation extends pulumi.ComponentResource {
  readonly resourceGroup: resources.ResourceGroup;
  readonly resourceGroupName: pulumi.Output<string>;
  readonly location: string;
  readonly tags: Record<string, string>;
  readonly virtualNetwork: network.VirtualNetwork;
  readonly subnets: { aks: network.Subnet; postgres: network.Subnet; privateEndpoints: network.Subnet };
  readonly plan: NetworkPlan;
  /** Resource ids of the private DNS zones (the stack's own, or the cluster owner's privatelink zones). */
  readonly zoneIds: Record<PrivateZoneKey, pulumi.Output<string>>;
  /** What must exist before a record goes into a zone or a server resolves through it. */
  readonly zoneReady: Record<PrivateZoneKey, pulumi.Resource[]>;
  /** The PostgreSQL zone is always the stack's own (its name is unique to the stack). */
  readonly postgresZone: privatedns.PrivateZone;
  readonly workspace?: operationalinsights.Workspace;
  /** Subscription, tenant and object id of whoever runs `pulumi up`. */
  readonly client: pulumi.Output<authorization.GetClientConfigResult>;
  /** The deployer's principal type, for the role assignments it receives. */
  readonly deployerPrincipalType: pulumi.Output<PrincipalType>;
  /** Production: infrastructure is protected and locked (see guard()). */
  readonly protect: boolean;
  /** One network security group per subnet (Azure's default rules: no inbound from the internet). */
  readonly securityGroups: network.NetworkSecurityGroup[] = [];

  constructor(name: string, args: AzureFoundationArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:azure:Foundation", name, {}, opts);
    const { names, location, tags } = args;
    this.location = location;
    this.tags = tags;
    this.plan = args.network;
    this.protect = args.protect;
    const parent = { parent: this };
    const guarded = { ...parent, ...(args.protect ? { protect: true } : {}) };
    this.client = authorization.getClientConfigOutput(parent);
    this.deployerPrincipalType = this.client.apply((c) =>
      deployerPrincipalType(args.deployerPrincipalType, c.clientId),
    );

    this.resourceGroup = new resources.ResourceGroup(
      `${name}-rg`,
      { resourceGroupName: names.resourceGroup, location, tags },
      guarded,
    );
    this.resourceGroupName = this.resourceGroup.name;
    const inGroup = { resourceGroupName: this.resourceGroupName, location, tags };

    this.virtualNetwork = new network.VirtualNetwork(
      `${name}-vnet`,
      {
        ...inGroup,
        virtualNetworkName: names.virtualNetwork,
        addressSpace: { addressPrefixes: [args.network.addressSpace] },
      },
      // Subnets are their own resources; without this, every update of the network would delete them.
      { ...guarded, ignoreChanges: ["subnets"] },
    );
    const subnet = (
      key: string,
      args: Omit<network.SubnetArgs, "resourceGroupName" | "virtualNetworkName" | "networkSecurityGroup">,
      after?: pulumi.Resource,
    ) => {
      // Every subnet gets its own security group: Azure's default rules (traffic inside the
      // network and from the load balancer, nothing inbound from the internet) made explicit and
      // ready for stricter rules, instead of a subnet no rule can ever apply to.
      const nsg = new network.NetworkSecurityGroup(
        `${name}-${key}-nsg`,
        { ...inGroup, networkSecurityGroupName: `nsg-${names.virtualNetwork}-${key}`.slice(0, 80) },
        parent,
      );
      this.securityGroups.push(nsg);
      return new network.Subnet(
        `${name}-${key}-subnet`,
        {
          resourceGroupName: this.resourceGroupName,
          virtualNetworkName: this.virtualNetwork.name,
          networkSecurityGroup: { id: nsg.id },
          ...args,
        },
        // Azure refuses concurrent changes to one network's subnets: one after the other.
        { ...parent, ...(after ? { dependsOn: [after] } : {}) },
      );
    };
    const aks = subnet("aks", { subnetName: "aks-nodes", addressPrefix: args.network.aksSubnet });
    const postgres = subnet(
      "postgres",
      {
        subnetName: "postgres",
        addressPrefix: args.network.postgresSubnet,
        delegations: [
          { name: "postgres-flexible-servers", serviceName: "Microsoft.DBforPostgreSQL/flexibleServers" },
        ],
      },
      aks,
    );
    const privateEndpoints = subnet(
      "private-endpoints",
      {
        subnetName: "private-endpoints",
        addressPrefix: args.network.privateEndpointSubnet,
        // Lets network security groups and route tables apply to private endpoint traffic.
        privateEndpointNetworkPolicies: "Enabled",
      },
      postgres,
    );
    this.subnets = { aks, postgres, privateEndpoints };

    const zone = (key: PrivateZoneKey, zoneName: string) => {
      const z = new privatedns.PrivateZone(
        `${name}-${key}-zone`,
        { resourceGroupName: this.resourceGroupName, privateZoneName: zoneName, location: "global", tags },
        parent,
      );
      return {
        zone: z,
        link: this.linkZone(`${name}-${key}`, z.name, this.virtualNetwork.id, names.virtualNetwork),
      };
    };
    const postgresZone = zone("postgres", names.postgresDnsZone);
    this.postgresZone = postgresZone.zone;
    const privateLink = (key: Exclude<PrivateZoneKey, "postgres">) => {
      const shared = args.sharedPrivateLinkZonesGroup;
      if (shared) {
        const id = pulumi.interpolate`/subscriptions/${this.client.subscriptionId}/resourceGroups/${shared}/providers/Microsoft.Network/privateDnsZones/${privateLinkZones[key]}`;
        return { id, ready: [] as pulumi.Resource[] };
      }
      const own = zone(key, privateLinkZones[key]);
      return { id: own.zone.id, ready: [own.link] as pulumi.Resource[] };
    };
    const blob = privateLink("blob");
    const vault = privateLink("vault");
    const redis = privateLink("redis");
    const registry = privateLink("registry");
    this.zoneIds = {
      postgres: postgresZone.zone.id,
      blob: blob.id,
      vault: vault.id,
      redis: redis.id,
      registry: registry.id,
    };
    this.zoneReady = {
      postgres: [postgresZone.link],
      blob: blob.ready,
      vault: vault.ready,
      redis: redis.ready,
      registry: registry.ready,
    };

    if (args.logAnalyticsRetentionDays > 0) {
      this.workspace = new operationalinsights.Workspace(
        `${name}-logs`,
        {
          ...inGroup,
          workspaceName: names.logAnalytics,
          sku: { name: "PerGB2018" },
          retentionInDays: args.logAnalyticsRetentionDays,
        },
        guarded,
      );
    }
    this.registerOutputs({ resourceGroupName: this.resourceGroupName });
  }

  /** Production only: a CanNotDelete lock on a resource that holds data or runs the platform. */
  guard(
    name: string,
    resourceId: pulumi.Input<string>,
    what: string,
    opts: pulumi.CustomResourceOptions,
  ): void {
    if (this.protect) lockAgainstDelete(name, resourceId, what, opts);
  }

  /** When the stack has a workspace: the resource's audit logs go there. */
  diagnose(
    name: string,
    target: DiagnosticTarget,
    resourceUri: pulumi.Input<string>,
    opts: pulumi.CustomResourceOptions,
  ): void {
    if (this.workspace) sendDiagnostics(name, target, resourceUri, this.workspace.id, opts);
  }

  /** Links one zone to a network (the stack's, or an attached cluster's). */
  linkZone(
    name: string,
    zoneName: pulumi.Input<string>,
    virtualNetworkId: pulumi.Input<string>,
    networkName: string,
  ): privatedns.VirtualNetworkLink {
    return new privatedns.VirtualNetworkLink(
      `${name}-link-${networkName}`,
      {
        resourceGroupName: this.resourceGroupName,
        privateZoneName: zoneName,
        virtualNetworkLinkName: `link-${networkName}`.slice(0, 80),
        virtualNetwork: { id: virtualNetworkId },
        registrationEnabled: false,
        location: "global",
        tags: this.tags,
      },
      { parent: this },
    );
  }
}
