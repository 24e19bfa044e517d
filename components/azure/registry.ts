import * as containerregistry from "@pulumi/azure-native/containerregistry";
import * as pulumi from "@pulumi/pulumi";
import type { AzureFoundation } from "./foundation";
import { grant } from "./roles";

// The container registry CI pushes the service images to. No admin user and no anonymous pull:
// CI pushes with a federated identity (AcrPush, granted outside this stack), the nodes pull with
// the cluster's kubelet identity (AcrPull on this registry only).

export interface RegistryArgs {
  foundation: AzureFoundation;
  registryName: string;
  sku: "Basic" | "Standard" | "Premium";
  /** Kubelet identity of the cluster that pulls (created or attached). */
  kubeletObjectId: pulumi.Input<string>;
}

export class ContainerRegistry extends pulumi.ComponentResource {
  readonly registry: containerregistry.Registry;
  readonly loginServer: pulumi.Output<string>;

  constructor(name: string, args: RegistryArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:azure:ContainerRegistry", name, {}, opts);
    const f = args.foundation;
    this.registry = new containerregistry.Registry(
      `${name}-registry`,
      {
        resourceGroupName: f.resourceGroupName,
        location: f.location,
        tags: f.tags,
        registryName: args.registryName,
        sku: { name: args.sku },
        adminUserEnabled: false,
        anonymousPullEnabled: false,
        // Premium only: keeps a region's zone outage from stopping every rollout.
        ...(args.sku === "Premium" ? { zoneRedundancy: "Enabled" } : {}),
      },
      { parent: this },
    );
    this.loginServer = this.registry.loginServer;
    grant(
      `${name}-kubelet-acr-pull`,
      {
        role: "acrPull",
        scope: this.registry.id,
        principalId: args.kubeletObjectId,
        principalType: "ServicePrincipal",
        subscriptionId: f.client.subscriptionId,
        description: "AKS nodes pull the platform's images",
      },
      { parent: this },
    );
    this.registerOutputs({ loginServer: this.loginServer });
  }
}
