import * as network from "@pulumi/azure-native/network";
import type * as pulumi from "@pulumi/pulumi";
import type { AzureFoundation, PrivateZoneKey } from "./foundation";

// A managed service reached only from inside the network: a private endpoint in the endpoints
// subnet and its A record in the service's private DNS zone, so the public host name (e.g.
// <vault>.vault.azure.net) resolves to the private address from the cluster.

export interface PrivateAccessArgs {
  foundation: AzureFoundation;
  /** Resource id of the service (vault, storage account, Redis cluster). */
  targetId: pulumi.Input<string>;
  /** Sub-resource of the service: "vault", "blob", "redisEnterprise". */
  groupId: string;
  zone: PrivateZoneKey;
  /** Azure name of the endpoint. */
  endpointName: pulumi.Input<string>;
}

export interface PrivateAccess {
  endpoint: network.PrivateEndpoint;
  dnsZoneGroup: network.PrivateDnsZoneGroup;
}

export function privateAccess(
  name: string,
  args: PrivateAccessArgs,
  opts: pulumi.CustomResourceOptions,
): PrivateAccess {
  const f = args.foundation;
  const endpoint = new network.PrivateEndpoint(
    `${name}-endpoint`,
    {
      resourceGroupName: f.resourceGroupName,
      location: f.location,
      tags: f.tags,
      privateEndpointName: args.endpointName,
      subnet: { id: f.subnets.privateEndpoints.id },
      privateLinkServiceConnections: [
        { name: args.endpointName, privateLinkServiceId: args.targetId, groupIds: [args.groupId] },
      ],
    },
    opts,
  );
  const dnsZoneGroup = new network.PrivateDnsZoneGroup(
    `${name}-dns`,
    {
      resourceGroupName: f.resourceGroupName,
      privateEndpointName: endpoint.name,
      privateDnsZoneGroupName: "default",
      privateDnsZoneConfigs: [{ name: args.zone, privateDnsZoneId: f.zoneIds[args.zone] }],
    },
    { ...opts, dependsOn: f.zoneReady[args.zone] },
  );
  return { endpoint, dnsZoneGroup };
}
