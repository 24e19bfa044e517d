import * as containerregistry from "@pulumi/azure-native/containerregistry";
import * as pulumi from "@pulumi/pulumi";
import type { AzureFoundation } from "./foundation";
import { type PrivateAccess, privateAccess } from "./private-endpoint";
import { grant } from "./roles";

// The container registry CI pushes the service images to. No admin user and no anonymous pull:
// CI pushes with a federated identity (AcrPush, granted outside this stack), the nodes pull with
// the cluster's kubelet identity (AcrPull on this registry only).
//
// Premium (prod) is private: a private endpoint for the nodes, and the public endpoint either
// Disabled (pushes come from inside the network) or, when platform:azure.deployer.ipRanges is
// set, limited to those ranges (pushes from hosted CI runners); untagged manifests are deleted
// after `retentionDays`, and quarantine (a pushed image is not pullable until a scanner releases
// it) is available for pipelines that run one. Basic and Standard offer none of these: their
// public endpoint stays open to any network, and Entra ID authenticates every pull and push.

export interface RegistryArgs {
  foundation: AzureFoundation;
  registryName: string;
  sku: "Basic" | "Standard" | "Premium";
  /** Kubelet identity of the cluster that pulls (created or attached). */
  kubeletObjectId: pulumi.Input<string>;
  /** Premium: days an untagged manifest is kept. */
  retentionDays: number;
  /** Premium: hold pushed images until a scanner releases them. */
  quarantine: boolean;
  /** Public egress ranges allowed to push (Premium); empty: public access disabled. */
  deployerIpRanges: string[];
}

export class ContainerRegistry extends pulumi.ComponentResource {
  readonly registry: containerregistry.Registry;
  readonly loginServer: pulumi.Output<string>;
  /** Premium only: the private endpoint the nodes pull through. */
  readonly access?: PrivateAccess;

  constructor(name: string, args: RegistryArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:azure:ContainerRegistry", name, {}, opts);
    const f = args.foundation;
    const premium = args.sku === "Premium";
    const privateOnly = premium && args.deployerIpRanges.length === 0;
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
        // Sent explicitly: the SDK's default is Enabled.
        publicNetworkAccess: privateOnly ? "Disabled" : "Enabled",
        ...(premium
          ? {
              // Keeps a region's zone outage from stopping every rollout.
              zoneRedundancy: "Enabled",
              networkRuleBypassOptions: "AzureServices",
              networkRuleSet: {
                defaultAction: "Deny",
                ipRules: args.deployerIpRanges.map((range) => ({ action: "Allow", iPAddressOrRange: range })),
              },
              policies: {
                retentionPolicy: { status: "enabled", days: args.retentionDays },
                quarantinePolicy: { status: args.quarantine ? "enabled" : "disabled" },
              },
            }
          : {}),
      },
      { parent: this, ...(f.protect ? { protect: true } : {}) },
    );
    this.loginServer = this.registry.loginServer;
    f.guard(name, this.registry.id, "the platform's images", { parent: this });
    f.diagnose(name, "registry", this.registry.id, { parent: this });
    if (premium) {
      this.access = privateAccess(
        name,
        {
          foundation: f,
          targetId: this.registry.id,
          groupId: "registry",
          zone: "registry",
          endpointName: `pe-${args.registryName}`,
        },
        { parent: this },
      );
    }
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
