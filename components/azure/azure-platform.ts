import * as pulumi from "@pulumi/pulumi";
import type { AzureConfig } from "../azure-options/schema";
import { AksCluster } from "./aks-cluster";
import { AttachedCluster, type ExistingCluster } from "./attached-cluster";
import { AzureBlobStorage } from "./blob-storage";
import { AzureFoundation } from "./foundation";
import { AzureKeyVault } from "./key-vault";
import type { AzureNames } from "./naming";
import { ContainerRegistry } from "./registry";

// The Azure resources a stack has before any service: foundation, the cluster (created or
// attached), the registry, the vault and the storage account. Services, Loki and the broker are
// added later through the profile, under the program's tree.

export type ClusterSource = { create: true } | { create: false; existing: ExistingCluster };

export interface AzurePlatformArgs {
  environment: string;
  config: AzureConfig;
  names: AzureNames;
  protect: boolean;
  cluster: ClusterSource;
  /** The stack's Gateway class builds on the AKS application routing add-on. */
  applicationRouting: boolean;
  /** The stack enables monitoring: a created cluster gets the managed Prometheus add-on. */
  managedPrometheus: boolean;
}

export class AzurePlatform extends pulumi.ComponentResource {
  readonly foundation: AzureFoundation;
  readonly registry: ContainerRegistry;
  readonly vault: AzureKeyVault;
  readonly storage: AzureBlobStorage;
  readonly issuer: pulumi.Output<string>;
  readonly clusterName: pulumi.Output<string>;
  /** Only when the stack created the cluster: the deployer's kubeconfig, a Pulumi secret. */
  readonly kubeconfig?: pulumi.Output<string>;

  constructor(name: string, args: AzurePlatformArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:azure:Platform", name, {}, opts);
    const { config: c, names } = args;
    const parent = { parent: this };
    this.foundation = new AzureFoundation(
      "foundation",
      {
        names,
        location: c.location,
        network: c.network,
        logAnalyticsRetentionDays: c.logAnalyticsRetentionDays,
        ...(c.deployer.principalType ? { deployerPrincipalType: c.deployer.principalType } : {}),
        protect: args.protect,
        tags: { platform: c.prefix, environment: args.environment, "managed-by": "pulumi" },
        ...(args.cluster.create
          ? {}
          : {
              sharedPrivateLinkZonesGroup:
                args.cluster.existing.privateDnsZoneResourceGroup ?? args.cluster.existing.resourceGroupName,
            }),
      },
      parent,
    );
    const f = this.foundation;

    let kubeletObjectId: pulumi.Output<string>;
    if (args.cluster.create) {
      const aks = c.aks;
      if (!aks) throw new Error("internal: platform:azure.aks is validated before the cluster is created");
      const cluster = new AksCluster(
        "aks",
        {
          foundation: f,
          names,
          kubernetesVersion: aks.kubernetesVersion,
          tier: aks.tier,
          systemPool: aks.systemPool,
          userPool: aks.userPool,
          zones: c.zones,
          adminGroupObjectIds: aks.adminGroupObjectIds,
          // The deployer's own ranges: `pulumi up` talks to the API server it restricts.
          authorizedIpRanges: [...new Set([...aks.authorizedIpRanges, ...c.deployer.ipRanges])],
          privateCluster: aks.privateCluster,
          kubeloginMode: aks.kubeloginMode,
          kubelogin: aks.kubeloginMsiClientId ? { msiClientId: aks.kubeloginMsiClientId } : {},
          upgradeChannel: aks.upgradeChannel,
          podCidr: c.network.podCidr,
          serviceCidr: c.network.serviceCidr,
          applicationRouting: args.applicationRouting,
          managedPrometheus: args.managedPrometheus,
        },
        parent,
      );
      this.issuer = cluster.oidcIssuerUrl;
      this.clusterName = cluster.name;
      this.kubeconfig = cluster.kubeconfig;
      kubeletObjectId = cluster.kubeletObjectId;
    } else {
      const cluster = new AttachedCluster(
        "attached",
        { foundation: f, existing: args.cluster.existing },
        parent,
      );
      this.issuer = cluster.oidcIssuerUrl;
      this.clusterName = cluster.name;
      kubeletObjectId = cluster.kubeletObjectId;
    }

    this.registry = new ContainerRegistry(
      "registry",
      {
        foundation: f,
        registryName: names.containerRegistry,
        sku: c.registry.sku,
        kubeletObjectId,
        retentionDays: c.registry.retentionDays,
        quarantine: c.registry.quarantine,
        deployerIpRanges: c.deployer.ipRanges,
      },
      parent,
    );
    this.vault = new AzureKeyVault(
      "key-vault",
      {
        foundation: f,
        vaultName: names.keyVault,
        sku: c.keyVault.sku,
        softDeleteRetentionDays: c.keyVault.softDeleteRetentionDays,
        protect: args.protect,
        deployerIpRanges: c.deployer.ipRanges,
      },
      parent,
    );
    this.storage = new AzureBlobStorage(
      "storage",
      {
        foundation: f,
        accountName: names.storageAccount,
        replication: c.storage.replication,
        deleteRetentionDays: c.storage.deleteRetentionDays,
        protect: args.protect,
      },
      parent,
    );
    this.registerOutputs({ clusterName: this.clusterName });
  }

  /** Stack outputs: where things are, never a credential except the kubeconfig, as a secret. */
  outputs(): Record<string, pulumi.Input<unknown>> {
    return {
      azure: {
        resourceGroup: this.foundation.resourceGroupName,
        location: this.foundation.location,
        virtualNetworkId: this.foundation.virtualNetwork.id,
        clusterName: this.clusterName,
        oidcIssuerUrl: this.issuer,
        registryLoginServer: this.registry.loginServer,
        keyVaultUri: this.vault.uri,
        blobEndpoint: this.storage.endpoint,
      },
      ...(this.kubeconfig ? { kubeconfig: this.kubeconfig } : {}),
    };
  }
}
