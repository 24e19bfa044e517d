import { SkuName as RedisSkuName } from "@pulumi/azure-native/types/enums/redisenterprise";
import { z } from "zod";
import { objectName } from "../kube/object-names";

// The options of the Azure components (components/azure/): the `platform:azure` section of a stack,
// validated by infra/config/schema.ts. What differs between dev, staging and prod on Azure. Defaults
// are the cheap ones; prod turns on zones, HA, geo-redundant backups and bigger SKUs explicitly.
// Names of Azure resources are derived from `prefix` and `nameSuffix` and checked against Azure's
// naming rules before anything is registered (components/azure/naming.ts).

const vmSize = z
  .string()
  .regex(/^Standard_[A-Za-z0-9_]+$/, "must be an Azure VM size such as Standard_D4ds_v5");

const nodePool = z
  .strictObject({
    vmSize,
    minCount: z.number().int().min(1).max(100),
    maxCount: z.number().int().min(1).max(100),
  })
  .refine((p) => p.minCount <= p.maxCount, {
    message: "minCount must not exceed maxCount",
    path: ["minCount"],
  });

/** `/subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.Network/virtualNetworks/<name>`. */
export const VNET_ID =
  /^\/subscriptions\/[0-9a-fA-F-]{36}\/resourceGroups\/([-\w._()]{1,90})\/providers\/Microsoft\.Network\/virtualNetworks\/([-\w.]{2,64})$/;

const resourceGroupName = z
  .string()
  .regex(
    /^[-\w._()]{1,89}[-\w_()]$/,
    "must be a resource group name (letters, digits, '-', '_', '.', '(', ')')",
  );

/** An existing AKS cluster the stack attaches to (cluster.source context, kubeconfig or stack-reference). */
const existingCluster = z.strictObject({
  resourceGroupName,
  name: z.string().regex(/^[A-Za-z0-9][-_A-Za-z0-9]{0,62}$/, "must be an AKS cluster name"),
  /** The cluster's virtual network: peered with the stack's network, linked to its private DNS zones. */
  virtualNetworkId: z
    .string()
    .regex(
      VNET_ID,
      "must be a virtual network resource id: /subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.Network/virtualNetworks/<name>",
    ),
  /**
   * Resource group of the privatelink DNS zones already linked to the cluster's network.
   * @default - the cluster's resource group (`resourceGroupName`), where a stack that created the cluster keeps them
   */
  privateDnsZoneResourceGroup: resourceGroupName.optional(),
});

const networkSchema = z.strictObject({
  addressSpace: z.cidrv4(),
  aksSubnet: z.cidrv4(),
  postgresSubnet: z.cidrv4(),
  privateEndpointSubnet: z.cidrv4(),
  /** Pod CIDR of the overlay network; must not overlap the virtual network. @default "192.168.0.0/16" */
  podCidr: z.cidrv4().default("192.168.0.0/16"),
  /** Kubernetes service CIDR; must not overlap the virtual network or the pods. @default "172.16.0.0/16" */
  serviceCidr: z.cidrv4().default("172.16.0.0/16"),
});

/**
 * The Kubernetes minor version a new cluster gets. AKS offers a minor for creation for about a
 * year after its release on AKS (`az aks get-versions --location <region> -o table` lists what a
 * region offers today); raise this when AKS retires it.
 */
export const DEFAULT_KUBERNETES_VERSION = "1.36";
/** The oldest minor the schema accepts: 1.34 and older have left upstream support. */
export const OLDEST_KUBERNETES_MINOR = 35;

const kubernetesVersion = z
  .string()
  .regex(/^1\.[0-9]{2}(\.[0-9]+)?$/, `must be a version such as ${DEFAULT_KUBERNETES_VERSION}`)
  .refine((v) => Number(v.split(".")[1]) >= OLDEST_KUBERNETES_MINOR, {
    message: `is no longer supported: pick a version AKS still offers (az aks get-versions --location <region> -o table), such as ${DEFAULT_KUBERNETES_VERSION}`,
  });

const aksSchema = z.strictObject({
  /**
   * Minor (or patch) version of the control plane and the node pools.
   * @default DEFAULT_KUBERNETES_VERSION
   */
  kubernetesVersion: kubernetesVersion.default(DEFAULT_KUBERNETES_VERSION),
  /** Free has no uptime SLA; Standard (financially backed SLA) is for production. @default "Free" */
  tier: z.enum(["Free", "Standard", "Premium"]).default("Free"),
  systemPool: nodePool,
  userPool: nodePool,
  /**
   * Entra ID group object ids that get cluster-admin (local accounts are disabled).
   * @default [] (no group: cluster-admin only through the deployer's role assignment)
   */
  adminGroupObjectIds: z.array(z.uuid()).default([]),
  /**
   * Public IP ranges allowed to reach the API server, besides `platform:azure.deployer.ipRanges`.
   * Empty (and not private): any address (Entra ID still authenticates); prod needs ranges or a
   * private cluster (policy aks-api-server-restricted).
   * @default []
   */
  authorizedIpRanges: z.array(z.cidrv4()).default([]),
  /**
   * A private API server (no public endpoint): `pulumi up` must then run inside the network (a
   * self-hosted runner in a peered network).
   * @default false
   */
  privateCluster: z.boolean().default(false),
  /**
   * How the exported kubeconfig logs in through kubelogin (device code never works unattended).
   * @default "azurecli"
   */
  kubeloginMode: z.enum(["azurecli", "workloadidentity", "spn", "msi"]).default("azurecli"),
  /**
   * `kubeloginMode: msi` only: the client id of the user-assigned identity to log in with.
   * @default - no `--client-id`: the host's only (system-assigned) identity
   */
  kubeloginMsiClientId: z.uuid().optional(),
  /** @default "patch" */
  upgradeChannel: z.enum(["none", "patch", "stable", "rapid", "node-image"]).default("patch"),
});

/** Whoever runs `pulumi up`: a person, or a CI pipeline's service principal or managed identity. */
const deployerSchema = z.strictObject({
  /**
   * The type of the principal, for the role assignments it receives (cluster admin, Key Vault
   * secrets officer).
   * @default - `User` when the provider logs in through a person's Azure CLI, `ServicePrincipal`
   * otherwise (OIDC, secret, certificate, managed identity)
   */
  principalType: z.enum(["User", "ServicePrincipal"]).optional(),
  /**
   * Public egress ranges of the machines that run `pulumi up` (CI runners, a VPN): allowed through
   * the Key Vault firewall (deleting a secret is a data-plane call) and to the AKS API server.
   * Empty: those machines run inside the network (self-hosted runners in a peered network).
   * @default []
   */
  ipRanges: z.array(z.cidrv4()).default([]),
});

const postgresSchema = z.strictObject({
  /**
   * How the services log in. `entra`: Entra authentication only, each service's workload identity
   * mapped to its role, an access token as the password (docs/runtime-contract.md), no password
   * anywhere. `password`: the explicit fallback for apps that cannot fetch a token yet: password
   * authentication only, an administrator password and one password per service.
   * @default "entra"
   */
  authentication: z.enum(["entra", "password"]).default("entra"),
  /** @default "17" */
  version: z.enum(["14", "15", "16", "17", "18"]).default("17"),
  /** @default "Standard_B2s" */
  skuName: z
    .string()
    .regex(/^Standard_[A-Za-z0-9_]+$/, "must be a PostgreSQL compute size such as Standard_B2s")
    .default("Standard_B2s"),
  /** @default "Burstable" */
  tier: z.enum(["Burstable", "GeneralPurpose", "MemoryOptimized"]).default("Burstable"),
  /** Azure's range for a flexible server's disk: 32 GiB to 32767 GiB (32 TiB less one). @default 32 */
  storageSizeGb: z.number().int().min(32).max(32_767).default(32),
  /** Zone-redundant standby (not available on Burstable). @default false */
  highAvailability: z.boolean().default(false),
  /** @default false */
  geoRedundantBackup: z.boolean().default(false),
  /** @default 7 */
  backupRetentionDays: z.number().int().min(7).max(35).default(7),
  /**
   * Server parameters merged over the platform's defaults (require_secure_transport, ...).
   * @default {} (the platform's defaults only)
   */
  parameters: z
    .record(z.string().regex(/^[a-z_.]+$/, "must be a server parameter name"), z.string())
    .default({}),
});

/** Azure Managed Redis SKUs, from the SDK's enum: Balanced, MemoryOptimized, ComputeOptimized, FlashOptimized. */
export const managedRedisSkus: readonly string[] = Object.values(RedisSkuName).filter((sku) =>
  /^(Balanced|MemoryOptimized|ComputeOptimized|FlashOptimized)_/.test(sku),
);

const redisSchema = z.strictObject({
  /**
   * How the services log in. `entra`: access keys disabled, each service's workload identity given
   * an access policy assignment, an access token as the password (docs/runtime-contract.md).
   * `accessKey`: the explicit fallback, the primary access key in the services' DSNs.
   * @default "entra"
   */
  authentication: z.enum(["entra", "accessKey"]).default("entra"),
  /**
   * An Azure Managed Redis SKU of the SDK's enum (not the retiring Enterprise/EnterpriseFlash ones).
   * @default "Balanced_B1"
   */
  sku: z
    .string()
    .refine((sku) => managedRedisSkus.includes(sku), {
      message:
        "must be an Azure Managed Redis SKU such as Balanced_B1 (one of the SDK's Balanced_B*, MemoryOptimized_M*, ComputeOptimized_X*, FlashOptimized_A* sizes)",
    })
    .default("Balanced_B1"),
  /** @default false */
  highAvailability: z.boolean().default(false),
  /**
   * OSSCluster needs cluster-aware clients; phpredis and Predis without cluster mode need one of these.
   * @default "EnterpriseCluster"
   */
  clusteringPolicy: z.enum(["EnterpriseCluster", "NoCluster"]).default("EnterpriseCluster"),
  /** Sessions and locks survive a restart with RDB snapshots; a pure cache needs none. @default "none" */
  persistence: z.enum(["none", "rdb", "aof"]).default("none"),
  /**
   * The cache cluster of the Redis layout (docs/runtime-contract.md): `allkeys-lru`, never
   * persisted, sized on its own. The settings above are the state cluster's.
   * @default {} (each field's own default: a Balanced_B0 cluster without high availability)
   */
  cache: z
    .strictObject({
      /** @default "Balanced_B0" (the smallest: a cache is rebuilt from its sources) */
      sku: z
        .string()
        .regex(
          /^(Balanced_B[0-9]+|MemoryOptimized_M[0-9]+|ComputeOptimized_X[0-9]+|FlashOptimized_A[0-9]+)$/,
          "must be an Azure Managed Redis SKU such as Balanced_B0",
        )
        .default("Balanced_B0"),
      /** @default false */
      highAvailability: z.boolean().default(false),
    })
    .prefault({}),
});

const rabbitmqSchema = z.strictObject({
  /** 1 for dev; 3 (an odd number, quorum queues) for production. @default 1 */
  replicas: z.union([z.literal(1), z.literal(3), z.literal(5)]).default(1),
  /** @default 10 */
  storageGi: z.number().int().min(1).max(4096).default(10),
  /**
   * The StorageClass of the broker's volumes.
   * @default - the cluster's default class (managed-csi on AKS)
   */
  storageClass: objectName.optional(),
  /** @default 500 */
  cpuMillis: z.number().int().min(100).max(16_000).default(500),
  /** @default 1024 */
  memoryMiB: z.number().int().min(512).max(65_536).default(1024),
});

const lokiSchema = z.strictObject({
  /** 1, or 3 replicas replicating each stream (Loki's quorum). @default 1 */
  replicas: z.union([z.literal(1), z.literal(3)]).default(1),
  /** Write-ahead log and index cache on a volume; chunks live in Blob Storage. @default 10 */
  storageGi: z.number().int().min(1).max(1024).default(10),
});

const addonsSchema = z.strictObject({
  /**
   * cert-manager issues RabbitMQ's TLS certificates; install it unless the cluster already runs it.
   * @default - installed when the stack creates its cluster (`cluster.source: aks`), not when it attaches
   */
  certManager: z.boolean().optional(),
  /**
   * The RabbitMQ Cluster Operator; install it unless the cluster already runs it.
   * @default - installed when the stack creates its cluster (`cluster.source: aks`), not when it attaches
   */
  rabbitmqOperator: z.boolean().optional(),
});

type Cidr = { start: number; end: number };

function cidrRange(cidr: string): Cidr {
  const [ip = "", bits = "32"] = cidr.split("/");
  const value = ip.split(".").reduce((acc, octet) => acc * 256 + Number(octet), 0);
  const size = 2 ** (32 - Number(bits));
  const start = Math.floor(value / size) * size;
  return { start, end: start + size - 1 };
}

const overlaps = (a: string, b: string) => {
  const x = cidrRange(a);
  const y = cidrRange(b);
  return x.start <= y.end && y.start <= x.end;
};
const contains = (outer: string, inner: string) => {
  const o = cidrRange(outer);
  const i = cidrRange(inner);
  return o.start <= i.start && i.end <= o.end;
};

export const azureSchema = z
  .strictObject({
    location: z.string().regex(/^[a-z]+[a-z0-9]*$/, "must be an Azure region name such as westeurope"),
    /**
     * First part of every resource name (`kv-<prefix>-<suffix>`, `st<prefix><suffix>`...).
     * @default "platform"
     */
    prefix: z
      .string()
      .regex(/^[a-z][a-z0-9]*$/, "must start with a letter and hold only lower-case letters and digits")
      .min(2)
      .max(16)
      .default("platform"),
    /**
     * Appended to globally unique names (storage account, key vault, registry, Redis, PostgreSQL):
     * 3 to 6 lower-case letters or digits, fixed for the life of the stack.
     */
    nameSuffix: z.string().regex(/^[a-z0-9]{3,6}$/, "must be 3 to 6 lower-case letters or digits"),
    /**
     * Availability zones for node pools, PostgreSQL HA and zone-redundant storage. Empty: no zones.
     * @default [] (no zones)
     */
    zones: z.array(z.enum(["1", "2", "3"])).default([]),
    /**
     * The stack's virtual network and its subnets.
     * @default - the address plan of the `prefault` below: 10.40.0.0/16, AKS 10.40.0.0/20,
     * PostgreSQL 10.40.16.0/24, private endpoints 10.40.17.0/24
     */
    network: networkSchema.prefault({
      addressSpace: "10.40.0.0/16",
      aksSubnet: "10.40.0.0/20",
      postgresSubnet: "10.40.16.0/24",
      privateEndpointSubnet: "10.40.17.0/24",
    }),
    /** @default {} (each field's own default) */
    deployer: deployerSchema.prefault({}),
    /** Required when the stack creates its cluster (platform:cluster.source aks). */
    aks: aksSchema.optional(),
    /** Required when the stack attaches to a cluster (platform:cluster.source context, kubeconfig, stack-reference). */
    existingCluster: existingCluster.optional(),
    /** @default {} (each field's own default) */
    registry: z
      .strictObject({
        /**
         * Premium (prod): private endpoint, firewall, retention, quarantine, zone redundancy.
         * @default "Basic"
         */
        sku: z.enum(["Basic", "Standard", "Premium"]).default("Basic"),
        /** Premium: days an untagged manifest is kept before Azure deletes it (0 to 365). @default 7 */
        retentionDays: z.number().int().min(0).max(365).default(7),
        /**
         * Premium: a pushed image is not pullable until a scanner marks it released
         * (`az acr` quarantine flow). Leave off unless the pipeline runs such a scanner.
         * @default false
         */
        quarantine: z.boolean().default(false),
      })
      .prefault({}),
    /** @default {} (each field's own default) */
    postgres: postgresSchema.prefault({}),
    /** @default {} (each field's own default) */
    redis: redisSchema.prefault({}),
    /** @default {} (each field's own default) */
    storage: z
      .strictObject({
        /** @default "LRS" */
        replication: z.enum(["LRS", "ZRS", "GRS", "GZRS"]).default("LRS"),
        /** Days a deleted blob or container stays recoverable. @default 7 */
        deleteRetentionDays: z.number().int().min(1).max(365).default(7),
      })
      .prefault({}),
    /** @default {} (each field's own default) */
    keyVault: z
      .strictObject({
        /** @default "standard" */
        sku: z.enum(["standard", "premium"]).default("standard"),
        /** @default 90 */
        softDeleteRetentionDays: z.number().int().min(7).max(90).default(90),
      })
      .prefault({}),
    /** @default {} (each field's own default) */
    rabbitmq: rabbitmqSchema.prefault({}),
    /** @default {} (each field's own default) */
    loki: lokiSchema.prefault({}),
    /**
     * Cluster-wide operators.
     * @default {} (each field's own default: installed when the stack creates the cluster, not when it attaches)
     */
    addons: addonsSchema.prefault({}),
    /**
     * Days the Log Analytics workspace keeps Azure's resource logs (Key Vault audit, AKS
     * kube-audit-admin, PostgreSQL, Storage, registry) and Defender's findings: 30 to 730; 0: no
     * workspace, hence no diagnostic settings and no Defender (refused in prod by policy
     * azure-diagnostics-prod). Container logs go to Loki, never here.
     * @default 30
     */
    logAnalyticsRetentionDays: z
      .number()
      .int()
      .min(0)
      .max(730)
      .refine((d) => d === 0 || d >= 30, { message: "must be 0 (no workspace) or 30 to 730 days" })
      .default(30),
    /**
     * Extra protection for stateful resources: `protect` and retain-on-delete.
     * @default - the environment's `protectStateful` (infra/config/environments.ts: true in prod only)
     */
    protectStateful: z.boolean().optional(),
  })
  .superRefine((a, ctx) => {
    const n = a.network;
    for (const key of ["aksSubnet", "postgresSubnet", "privateEndpointSubnet"] as const) {
      if (!contains(n.addressSpace, n[key])) {
        ctx.addIssue({
          code: "custom",
          path: ["network", key],
          message: `${n[key]} is outside the address space ${n.addressSpace}`,
        });
      }
    }
    const subnets = [
      ["aksSubnet", n.aksSubnet],
      ["postgresSubnet", n.postgresSubnet],
      ["privateEndpointSubnet", n.privateEndpointSubnet],
    ] as const;
    for (const [i, [key, cidr]] of subnets.entries()) {
      for (const [otherKey, other] of subnets.slice(i + 1)) {
        if (overlaps(cidr, other)) {
          ctx.addIssue({
            code: "custom",
            path: ["network", otherKey],
            message: `${other} overlaps ${key} ${cidr}`,
          });
        }
      }
    }
    for (const key of ["podCidr", "serviceCidr"] as const) {
      if (overlaps(n[key], n.addressSpace)) {
        ctx.addIssue({
          code: "custom",
          path: ["network", key],
          message: `${n[key]} overlaps the virtual network ${n.addressSpace}`,
        });
      }
    }
    if (overlaps(n.podCidr, n.serviceCidr)) {
      ctx.addIssue({
        code: "custom",
        path: ["network", "serviceCidr"],
        message: `${n.serviceCidr} overlaps the pod CIDR ${n.podCidr}`,
      });
    }
    if (a.postgres.highAvailability && a.postgres.tier === "Burstable") {
      ctx.addIssue({
        code: "custom",
        path: ["postgres", "highAvailability"],
        message:
          "zone-redundant HA is not available on the Burstable tier: use GeneralPurpose or MemoryOptimized",
      });
    }
    if (a.postgres.highAvailability && a.zones.length < 2) {
      ctx.addIssue({
        code: "custom",
        path: ["postgres", "highAvailability"],
        message: "zone-redundant HA needs two availability zones in platform:azure.zones",
      });
    }
  });

export type AzureConfig = z.output<typeof azureSchema>;
