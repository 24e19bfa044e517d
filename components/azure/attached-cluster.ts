import * as containerservice from "@pulumi/azure-native/containerservice";
import * as network from "@pulumi/azure-native/network";
import * as pulumi from "@pulumi/pulumi";
import { VNET_ID } from "../azure-options/schema";
import type { AzureFoundation } from "./foundation";

// An AKS cluster the stack does not own (another stack's, or a shared one): the platform reads
// the cluster's OIDC issuer and kubelet identity, peers the stack's network with the cluster's
// so pods reach the private endpoints and the database subnet, and links the stack's PostgreSQL
// DNS zone to the cluster's network so the server's name resolves there too. The endpoints of
// the vault, the storage account and Redis register in the cluster owner's privatelink zones.

export interface ExistingCluster {
  resourceGroupName: string;
  name: string;
  virtualNetworkId: string;
  /** Where the cluster network's privatelink zones are (the owner stack's resource group). */
  privateDnsZoneResourceGroup?: string;
}

export class AttachedCluster extends pulumi.ComponentResource {
  readonly name: pulumi.Output<string>;
  readonly oidcIssuerUrl: pulumi.Output<string>;
  readonly kubeletObjectId: pulumi.Output<string>;

  constructor(
    name: string,
    args: { foundation: AzureFoundation; existing: ExistingCluster },
    opts?: pulumi.ComponentResourceOptions,
  ) {
    super("platform:azure:AttachedCluster", name, {}, opts);
    const f = args.foundation;
    const parent = { parent: this };
    const cluster = containerservice.getManagedClusterOutput(
      { resourceGroupName: args.existing.resourceGroupName, resourceName: args.existing.name },
      parent,
    );
    this.name = cluster.name;
    this.oidcIssuerUrl = cluster.apply((c) => {
      const url = c.oidcIssuerProfile?.issuerURL;
      if (!url || c.securityProfile?.workloadIdentity?.enabled !== true) {
        throw new Error(
          `AKS cluster ${args.existing.name} has no OIDC issuer or workload identity: run \`az aks update -g ${args.existing.resourceGroupName} -n ${args.existing.name} --enable-oidc-issuer --enable-workload-identity\``,
        );
      }
      return url;
    });
    this.kubeletObjectId = cluster.apply((c) => c.identityProfile?.kubeletidentity?.objectId ?? "");

    const match = VNET_ID.exec(args.existing.virtualNetworkId);
    const remoteGroup = match?.[1] ?? "";
    const remoteName = match?.[2] ?? "";
    new network.VirtualNetworkPeering(
      `${name}-peering-out`,
      {
        resourceGroupName: f.resourceGroupName,
        virtualNetworkName: f.virtualNetwork.name,
        virtualNetworkPeeringName: `to-${remoteName}`,
        remoteVirtualNetwork: { id: args.existing.virtualNetworkId },
        allowVirtualNetworkAccess: true,
        allowForwardedTraffic: false,
      },
      parent,
    );
    new network.VirtualNetworkPeering(
      `${name}-peering-in`,
      {
        resourceGroupName: remoteGroup,
        virtualNetworkName: remoteName,
        virtualNetworkPeeringName: pulumi.interpolate`to-${f.virtualNetwork.name}`,
        remoteVirtualNetwork: { id: f.virtualNetwork.id },
        allowVirtualNetworkAccess: true,
        allowForwardedTraffic: false,
      },
      parent,
    );
    // The stack's own PostgreSQL zone must resolve in the cluster's network too. (The privatelink
    // zones are the cluster owner's, already linked there: see AzureFoundation.)
    f.linkZone("attached-postgres", f.postgresZone.name, args.existing.virtualNetworkId, remoteName);
    this.registerOutputs({ name: this.name });
  }
}
