import * as keyvault from "@pulumi/azure-native/keyvault";
import * as pulumi from "@pulumi/pulumi";
import type { AzureFoundation } from "./foundation";
import { type PrivateAccess, privateAccess } from "./private-endpoint";
import { grant } from "./roles";
import { statefulOptions } from "./stateful";

// The vault that holds every credential of the platform: Azure RBAC instead of access policies,
// soft delete with purge protection (a deleted vault and its secrets stay recoverable), no public
// network access. Pods never talk to it: the Key Vault CSI driver on the nodes reads it through
// the private endpoint with each pod's workload identity.
//
// The secret lifecycle from a CI runner: azure-native creates and updates a secret through ARM
// (the control plane), but deletes it through the vault's data plane. Renaming or removing a
// credential, and `pulumi destroy`, therefore need (1) a network path from the runner to the
// vault and (2) a data role for the deployer. (1) is `platform:azure.deployer.ipRanges`: those
// public egress ranges pass the vault firewall (public access then stays on, default Deny, only
// those ranges; empty ranges keep public access Disabled and the runner must sit in the network).
// (2) is Key Vault Secrets Officer for the deployer on this vault, granted before any secret
// exists and removed after the last one (`name` carries the dependency). With purge protection a
// deleted secret keeps its name for the retention period: re-adding a removed credential within
// it needs `az keyvault secret recover` first (docs/azure.md).

export interface KeyVaultArgs {
  foundation: AzureFoundation;
  vaultName: string;
  sku: "standard" | "premium";
  softDeleteRetentionDays: number;
  protect: boolean;
  /** Public egress ranges of the machines running `pulumi up`; empty: they run inside the network. */
  deployerIpRanges: string[];
}

export class AzureKeyVault extends pulumi.ComponentResource {
  readonly vault: keyvault.Vault;
  readonly name: pulumi.Output<string>;
  readonly uri: pulumi.Output<string>;
  readonly tenantId: pulumi.Output<string>;
  readonly resourceGroupName: pulumi.Output<string>;
  readonly access: PrivateAccess;

  constructor(name: string, args: KeyVaultArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:azure:KeyVault", name, {}, opts);
    const f = args.foundation;
    this.tenantId = f.client.tenantId;
    this.resourceGroupName = f.resourceGroupName;
    this.vault = new keyvault.Vault(
      `${name}-vault`,
      {
        resourceGroupName: f.resourceGroupName,
        location: f.location,
        tags: f.tags,
        vaultName: args.vaultName,
        properties: {
          tenantId: this.tenantId,
          sku: { family: "A", name: args.sku },
          enableRbacAuthorization: true,
          enableSoftDelete: true,
          softDeleteRetentionInDays: args.softDeleteRetentionDays,
          // Cannot be turned off again, by design.
          enablePurgeProtection: true,
          publicNetworkAccess: args.deployerIpRanges.length > 0 ? "Enabled" : "Disabled",
          networkAcls: {
            defaultAction: "Deny",
            bypass: "AzureServices",
            ipRules: args.deployerIpRanges.map((value) => ({ value })),
          },
        },
      },
      { parent: this, ...statefulOptions(args.protect) },
    );
    const officer = grant(
      `${name}-deployer-secrets-officer`,
      {
        role: "keyVaultSecretsOfficer",
        scope: this.vault.id,
        principalId: f.client.objectId,
        principalType: f.deployerPrincipalType,
        subscriptionId: f.client.subscriptionId,
        description: "the identity running pulumi up deletes the secrets it removes (a data-plane call)",
      },
      { parent: this },
    );
    // Every secret names its vault through this output, so it depends on the deployer's role:
    // created after it, and deleted before it on `pulumi destroy`.
    this.name = pulumi.all([this.vault.name, officer.id]).apply(([vaultName]) => vaultName);
    this.uri = this.vault.properties.apply((p) => p.vaultUri ?? "");
    f.guard(name, this.vault.id, "the platform's credentials", { parent: this });
    f.diagnose(name, "keyVault", this.vault.id, { parent: this });
    this.access = privateAccess(
      name,
      {
        foundation: f,
        targetId: this.vault.id,
        groupId: "vault",
        zone: "vault",
        endpointName: pulumi.interpolate`pe-${this.vault.name}`,
      },
      { parent: this },
    );
    this.registerOutputs({ uri: this.uri });
  }
}
