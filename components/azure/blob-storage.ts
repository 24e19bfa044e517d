import * as storage from "@pulumi/azure-native/storage";
import * as pulumi from "@pulumi/pulumi";
import type { NetworkPath } from "../backing/types";
import type { AzureFoundation } from "./foundation";
import { subnetPath } from "./network-paths";
import { type PrivateAccess, privateAccess } from "./private-endpoint";
import { type BuiltInRole, grant } from "./roles";
import { statefulOptions } from "./stateful";

// The object store (field notes 1: ~12 TB of media, never a host path): one storage account,
// HTTPS and TLS 1.2+ only, no anonymous blob access, no shared keys (every client authenticates
// with Entra ID through workload identity), reachable only through its private endpoint. Each
// catalog bucket is a container; each reader or writer gets a role on that container alone.
// Deleted or overwritten media stay recoverable: soft delete, blob versioning, and point-in-time
// restore of the containers (which needs versioning and the change feed) a day short of the
// soft-delete window, as Azure requires.

export const BLOB_PORT = 443;

export interface BlobStorageArgs {
  foundation: AzureFoundation;
  accountName: string;
  replication: "LRS" | "ZRS" | "GRS" | "GZRS";
  deleteRetentionDays: number;
  protect: boolean;
}

export interface ContainerGrant {
  principalId: pulumi.Input<string>;
  access: "read-write" | "read-only";
  /** For the role assignment's description. */
  who: string;
}

export class AzureBlobStorage extends pulumi.ComponentResource {
  readonly account: storage.StorageAccount;
  readonly accountName: pulumi.Output<string>;
  /** `https://<account>.blob.core.windows.net/` */
  readonly endpoint: pulumi.Output<string>;
  readonly path: NetworkPath;
  readonly access: PrivateAccess;
  private readonly foundation: AzureFoundation;
  private readonly protect: boolean;

  constructor(name: string, args: BlobStorageArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:azure:BlobStorage", name, {}, opts);
    const f = args.foundation;
    this.foundation = f;
    this.protect = args.protect;
    const parent = { parent: this };
    this.account = new storage.StorageAccount(
      `${name}-account`,
      {
        resourceGroupName: f.resourceGroupName,
        location: f.location,
        tags: f.tags,
        accountName: args.accountName,
        kind: "StorageV2",
        sku: { name: `Standard_${args.replication}` },
        accessTier: "Hot",
        enableHttpsTrafficOnly: true,
        minimumTlsVersion: "TLS1_2",
        allowBlobPublicAccess: false,
        allowSharedKeyAccess: false,
        defaultToOAuthAuthentication: true,
        allowCrossTenantReplication: false,
        publicNetworkAccess: "Disabled",
        networkRuleSet: { defaultAction: "Deny", bypass: "None" },
      },
      { ...parent, ...statefulOptions(args.protect) },
    );
    this.accountName = this.account.name;
    this.endpoint = this.account.primaryEndpoints.blob;
    new storage.BlobServiceProperties(
      `${name}-blob-service`,
      {
        resourceGroupName: f.resourceGroupName,
        accountName: this.account.name,
        blobServicesName: "default",
        deleteRetentionPolicy: { enabled: true, days: args.deleteRetentionDays },
        containerDeleteRetentionPolicy: { enabled: true, days: args.deleteRetentionDays },
        isVersioningEnabled: true,
        changeFeed: { enabled: true, retentionInDays: args.deleteRetentionDays },
        ...(args.deleteRetentionDays > 1
          ? { restorePolicy: { enabled: true, days: args.deleteRetentionDays - 1 } }
          : {}),
      },
      parent,
    );
    f.guard(name, this.account.id, "the media", parent);
    f.diagnose(name, "blob", pulumi.interpolate`${this.account.id}/blobServices/default`, parent);
    this.access = privateAccess(
      name,
      {
        foundation: f,
        targetId: this.account.id,
        groupId: "blob",
        zone: "blob",
        endpointName: `pe-${args.accountName}-blob`,
      },
      parent,
    );
    this.path = subnetPath("blob-storage", f.plan.privateEndpointSubnet, BLOB_PORT);
    this.registerOutputs({ endpoint: this.endpoint });
  }

  /** A private container, and each grantee's role on it (never on the account). */
  container(
    name: string,
    containerName: string,
    grants: readonly ContainerGrant[],
    opts: pulumi.CustomResourceOptions,
  ): { container: storage.BlobContainer; resources: pulumi.Resource[] } {
    const f = this.foundation;
    const container = new storage.BlobContainer(
      `${name}-container`,
      {
        resourceGroupName: f.resourceGroupName,
        accountName: this.account.name,
        containerName,
        publicAccess: storage.PublicAccess.None,
      },
      // Deleting a container deletes its blobs: production media is protected like the account.
      { ...opts, ...statefulOptions(this.protect) },
    );
    const resources: pulumi.Resource[] = [container];
    for (const g of grants) {
      const role: BuiltInRole =
        g.access === "read-only" ? "storageBlobDataReader" : "storageBlobDataContributor";
      resources.push(
        grant(
          `${name}-${g.who}-blob-access`,
          {
            role,
            scope: container.id,
            principalId: g.principalId,
            principalType: "ServicePrincipal",
            subscriptionId: f.client.subscriptionId,
            description: `${g.who} ${g.access === "read-only" ? "reads" : "reads and writes"} ${containerName}`,
          },
          opts,
        ),
      );
    }
    return { container, resources };
  }
}
