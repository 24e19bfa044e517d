import { z } from "zod";

// The `platform:azure` section: what differs between dev, staging and prod on Azure. Defaults
// are the cheap ones; prod turns on zones, HA and geo-redundant backups explicitly.

const vmSize = z
  .string()
  .regex(/^Standard_[A-Za-z0-9_]+$/, "must be an Azure VM size such as Standard_D4ds_v5");

const nodePool = z.strictObject({
  vmSize,
  minCount: z.number().int().min(1).max(100),
  maxCount: z.number().int().min(1).max(100),
});

export const azureSchema = z.strictObject({
  location: z.string().regex(/^[a-z]+[a-z0-9]*$/, "must be an Azure region name such as westeurope"),
  /**
   * Appended to globally unique names (storage account, key vault, registry, Redis, PostgreSQL):
   * 3 to 6 lower-case letters or digits, fixed for the life of the stack.
   */
  nameSuffix: z.string().regex(/^[a-z0-9]{3,6}$/, "must be 3 to 6 lower-case letters or digits"),
  /** Availability zones for node pools, PostgreSQL HA and zone-redundant storage. Empty: no zones. */
  zones: z.array(z.enum(["1", "2", "3"])).default([]),
  network: z
    .strictObject({
      addressSpace: z.cidrv4(),
      aksSubnet: z.cidrv4(),
      postgresSubnet: z.cidrv4(),
      privateEndpointSubnet: z.cidrv4(),
      /** Pod CIDR of the overlay network; must not overlap the virtual network. */
      podCidr: z.cidrv4().default("192.168.0.0/16"),
    })
    .default({
      addressSpace: "10.40.0.0/16",
      aksSubnet: "10.40.0.0/20",
      postgresSubnet: "10.40.16.0/24",
      privateEndpointSubnet: "10.40.17.0/24",
      podCidr: "192.168.0.0/16",
    }),
  aks: z
    .strictObject({
      kubernetesVersion: z.string().regex(/^1\.[0-9]{2}(\.[0-9]+)?$/, "must be a version such as 1.34"),
      systemPool: nodePool,
      userPool: nodePool,
      /** Entra ID group object ids that get cluster-admin (local accounts are disabled). */
      adminGroupObjectIds: z.array(z.uuid()).default([]),
    })
    .optional(),
  postgres: z
    .strictObject({
      version: z.enum(["14", "15", "16", "17", "18"]).default("17"),
      skuName: z
        .string()
        .regex(/^Standard_[A-Za-z0-9_]+$/)
        .default("Standard_B2s"),
      tier: z.enum(["Burstable", "GeneralPurpose", "MemoryOptimized"]).default("Burstable"),
      storageSizeGb: z.number().int().min(32).max(32_768).default(32),
      highAvailability: z.boolean().default(false),
      geoRedundantBackup: z.boolean().default(false),
      backupRetentionDays: z.number().int().min(7).max(35).default(7),
    })
    .default({
      version: "17",
      skuName: "Standard_B2s",
      tier: "Burstable",
      storageSizeGb: 32,
      highAvailability: false,
      geoRedundantBackup: false,
      backupRetentionDays: 7,
    }),
  redis: z
    .strictObject({
      sku: z
        .string()
        .regex(
          /^(Balanced_B[0-9]+|MemoryOptimized_M[0-9]+|ComputeOptimized_X[0-9]+|FlashOptimized_A[0-9]+)$/,
          "must be an Azure Managed Redis SKU such as Balanced_B1",
        )
        .default("Balanced_B1"),
      highAvailability: z.boolean().default(false),
    })
    .default({ sku: "Balanced_B1", highAvailability: false }),
  storage: z
    .strictObject({
      replication: z.enum(["LRS", "ZRS", "GRS", "GZRS"]).default("LRS"),
    })
    .default({ replication: "LRS" }),
  /** Days Log Analytics keeps container insights; 0 disables the workspace. */
  logAnalyticsRetentionDays: z.number().int().min(0).max(730).default(30),
  /** Extra protection for stateful resources: `protect` and retain-on-delete. Defaults to true in prod. */
  protectStateful: z.boolean().optional(),
});

export type AzureConfig = z.output<typeof azureSchema>;
