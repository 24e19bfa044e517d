import * as keyvault from "@pulumi/azure-native/keyvault";
import * as pulumi from "@pulumi/pulumi";
import type { AzureFoundation } from "./foundation";
import { type PrivateAccess, privateAccess } from "./private-endpoint";
import { statefulOptions } from "./stateful";

// The vault that holds every credential of the platform: Azure RBAC instead of access policies,
// soft delete with purge protection (a deleted vault and its secrets stay recoverable), no public
// network access. Pods never talk to it: the Key Vault CSI driver on the nodes reads it through
// the private endpoint with each pod's workload identity.

export interface KeyVaultArgs {
  foundation: AzureFoundation;
  vaultName: string;
  sku: "standard" | "premium";
  softDeleteRetentionDays: number;
  protect: boolean;
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
          publicNetworkAccess: "Disabled",
          networkAcls: { defaultAction: "Deny", bypass: "AzureServices" },
        },
      },
      { parent: this, ...statefulOptions(args.protect) },
    );
    this.name = this.vault.name;
    this.uri = this.vault.properties.apply((p) => p.vaultUri ?? "");
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
