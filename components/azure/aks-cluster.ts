import * as containerservice from "@pulumi/azure-native/containerservice";
import * as managedidentity from "@pulumi/azure-native/managedidentity";
import type * as inputs from "@pulumi/azure-native/types/input";
import * as pulumi from "@pulumi/pulumi";
import type { AzureFoundation } from "./foundation";
import { type KubeloginMode, type KubeloginOptions, withKubeloginMode } from "./kubeconfig";
import type { AzureNames } from "./naming";
import { grant } from "./roles";

// The AKS cluster when the stack creates it: Entra ID only (local accounts disabled), the OIDC
// issuer and workload identity for pods, Azure CNI overlay with the Cilium dataplane enforcing
// NetworkPolicies, the Key Vault secrets provider add-on, and two node pools: a small tainted
// system pool inside the cluster resource and the user pool as its own AgentPool resource (pool
// profiles inside the cluster cannot change in place). Hardened on top: Microsoft Defender and
// the Azure Policy add-on when there is a workspace to report to, encryption at host on every
// node (temporary disks and caches encrypted too; the subscription needs the EncryptionAtHost
// feature registered, docs/azure.md). Container logs go to Loki, not to Container insights: the
// workspace holds Azure's own resource logs (diagnostic settings), the kube-audit-admin log included.

export interface NodePoolSettings {
  vmSize: string;
  minCount: number;
  maxCount: number;
}

export interface AksClusterArgs {
  foundation: AzureFoundation;
  names: AzureNames;
  kubernetesVersion: string;
  tier: "Free" | "Standard" | "Premium";
  systemPool: NodePoolSettings;
  userPool: NodePoolSettings;
  /** Empty: no zones (dev). */
  zones: string[];
  adminGroupObjectIds: string[];
  /** Public ranges allowed to reach the API server (the deployer's included); empty: any. */
  authorizedIpRanges: string[];
  /** No public API server endpoint at all. */
  privateCluster: boolean;
  kubeloginMode: KubeloginMode;
  kubelogin: KubeloginOptions;
  upgradeChannel: string;
  podCidr: string;
  serviceCidr: string;
  /** Turns on the application routing add-on (the `approuting-istio` Gateway class builds on it). */
  applicationRouting: boolean;
  /**
   * The managed Prometheus metrics add-on (ama-metrics), which writes through the data collection
   * rule of components/azure/azure-monitoring.ts: on when the stack enables monitoring.
   */
  managedPrometheus: boolean;
}

/** The tenth address of the service range, as AKS's own default does. */
export function dnsServiceIp(serviceCidr: string): string {
  const [ip = ""] = serviceCidr.split("/");
  const octets = ip.split(".").map(Number);
  octets[3] = (octets[3] ?? 0) + 10;
  return octets.join(".");
}

export class AksCluster extends pulumi.ComponentResource {
  readonly cluster: containerservice.ManagedCluster;
  readonly userPool: containerservice.AgentPool;
  readonly name: pulumi.Output<string>;
  /** Kubeconfig for the deployer (kubelogin, the configured login mode), a Pulumi secret. */
  readonly kubeconfig: pulumi.Output<string>;
  readonly oidcIssuerUrl: pulumi.Output<string>;
  /** Object id of the nodes' kubelet identity (pulls images). */
  readonly kubeletObjectId: pulumi.Output<string>;

  constructor(name: string, args: AksClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:azure:AksCluster", name, {}, opts);
    const f = args.foundation;
    const parent = { parent: this };
    const zones = args.zones.length > 0 ? { availabilityZones: args.zones } : {};

    // The control plane's own identity, allowed to manage the nodes' subnet (load balancers, routes).
    const identity = new managedidentity.UserAssignedIdentity(
      `${name}-identity`,
      {
        resourceGroupName: f.resourceGroupName,
        location: f.location,
        resourceName: args.names.clusterIdentity,
        tags: f.tags,
      },
      { ...parent, ...(f.protect ? { protect: true } : {}) },
    );
    const subnetAccess = grant(
      `${name}-subnet-network-contributor`,
      {
        role: "networkContributor",
        scope: f.subnets.aks.id,
        principalId: identity.principalId,
        principalType: "ServicePrincipal",
        subscriptionId: f.client.subscriptionId,
        description: "AKS control plane manages load balancers and routes in its node subnet",
      },
      parent,
    );

    const addonProfiles: Record<string, inputs.containerservice.ManagedClusterAddonProfileArgs> = {
      azureKeyvaultSecretsProvider: {
        enabled: true,
        config: { enableSecretRotation: "true", rotationPollInterval: "2m" },
      },
      // Azure Policy for Kubernetes (Gatekeeper): the subscription's policy assignments apply in-cluster.
      azurepolicy: { enabled: true },
    };
    const apiServerAccessProfile: inputs.containerservice.ManagedClusterAPIServerAccessProfileArgs =
      args.privateCluster
        ? { enablePrivateCluster: true }
        : args.authorizedIpRanges.length > 0
          ? { authorizedIPRanges: args.authorizedIpRanges }
          : {};

    this.cluster = new containerservice.ManagedCluster(
      `${name}-cluster`,
      {
        resourceGroupName: f.resourceGroupName,
        location: f.location,
        tags: f.tags,
        resourceName: args.names.aksCluster,
        dnsPrefix: args.names.aksDnsPrefix,
        nodeResourceGroup: args.names.nodeResourceGroup,
        kubernetesVersion: args.kubernetesVersion,
        sku: { name: "Base", tier: args.tier },
        identity: {
          type: containerservice.ResourceIdentityType.UserAssigned,
          userAssignedIdentities: [identity.id],
        },
        enableRBAC: true,
        disableLocalAccounts: true,
        aadProfile: {
          managed: true,
          enableAzureRBAC: true,
          adminGroupObjectIDs: args.adminGroupObjectIds,
          tenantID: f.client.tenantId,
        },
        oidcIssuerProfile: { enabled: true },
        securityProfile: {
          workloadIdentity: { enabled: true },
          imageCleaner: { enabled: true, intervalHours: 48 },
          ...(f.workspace
            ? {
                defender: {
                  logAnalyticsWorkspaceResourceId: f.workspace.id,
                  securityMonitoring: { enabled: true },
                },
              }
            : {}),
        },
        networkProfile: {
          networkPlugin: "azure",
          networkPluginMode: "overlay",
          networkDataplane: "cilium",
          networkPolicy: "cilium",
          podCidr: args.podCidr,
          serviceCidr: args.serviceCidr,
          dnsServiceIP: dnsServiceIp(args.serviceCidr),
          loadBalancerSku: "standard",
          outboundType: "loadBalancer",
        },
        apiServerAccessProfile,
        autoUpgradeProfile: { upgradeChannel: args.upgradeChannel, nodeOSUpgradeChannel: "NodeImage" },
        addonProfiles,
        // Sent either way, so turning monitoring off also turns the add-on off.
        azureMonitorProfile: { metrics: { enabled: args.managedPrometheus } },
        ...(args.applicationRouting ? { ingressProfile: { webAppRouting: { enabled: true } } } : {}),
        agentPoolProfiles: [
          {
            name: "system",
            mode: "System",
            type: "VirtualMachineScaleSets",
            osType: "Linux",
            osSKU: "AzureLinux",
            vmSize: args.systemPool.vmSize,
            enableAutoScaling: true,
            count: args.systemPool.minCount,
            minCount: args.systemPool.minCount,
            maxCount: args.systemPool.maxCount,
            vnetSubnetID: f.subnets.aks.id,
            // Only cluster add-ons run here; application pods go to the user pool.
            nodeTaints: ["CriticalAddonsOnly=true:NoSchedule"],
            enableEncryptionAtHost: true,
            upgradeSettings: { maxSurge: "33%" },
            ...zones,
          },
        ],
      },
      {
        ...parent,
        ...(f.protect ? { protect: true } : {}),
        dependsOn: [subnetAccess],
        // The autoscaler owns the node count.
        ignoreChanges: ["agentPoolProfiles[0].count"],
      },
    );
    this.name = this.cluster.name;
    f.guard(name, this.cluster.id, "the cluster", parent);
    f.diagnose(name, "aks", this.cluster.id, parent);

    this.userPool = new containerservice.AgentPool(
      `${name}-user-pool`,
      {
        resourceGroupName: f.resourceGroupName,
        resourceName: this.cluster.name,
        agentPoolName: "user",
        mode: "User",
        type: "VirtualMachineScaleSets",
        osType: "Linux",
        osSKU: "AzureLinux",
        vmSize: args.userPool.vmSize,
        enableAutoScaling: true,
        count: args.userPool.minCount,
        minCount: args.userPool.minCount,
        maxCount: args.userPool.maxCount,
        vnetSubnetID: f.subnets.aks.id,
        orchestratorVersion: args.kubernetesVersion,
        enableEncryptionAtHost: true,
        upgradeSettings: { maxSurge: "33%" },
        ...zones,
      },
      { ...parent, ignoreChanges: ["count"] },
    );

    this.oidcIssuerUrl = this.cluster.oidcIssuerProfile.apply((p) => p?.issuerURL ?? "");
    this.kubeletObjectId = this.cluster.identityProfile.apply((p) => p?.kubeletidentity?.objectId ?? "");

    // Whoever runs `pulumi up` administers the cluster through Entra ID (local accounts are off).
    const deployerAccess = grant(
      `${name}-deployer-cluster-admin`,
      {
        role: "aksRbacClusterAdmin",
        scope: this.cluster.id,
        principalId: f.client.objectId,
        principalType: f.deployerPrincipalType,
        subscriptionId: f.client.subscriptionId,
        description: "the identity running pulumi up deploys the platform's Kubernetes objects",
      },
      parent,
    );

    const credentials = containerservice.listManagedClusterUserCredentialsOutput(
      { resourceGroupName: f.resourceGroupName, resourceName: this.cluster.name, format: "exec" },
      parent,
    );
    // The kubeconfig is usable once the user pool can run pods and the deployer may use the API.
    this.kubeconfig = pulumi.secret(
      pulumi
        .all([credentials, this.userPool.id, deployerAccess.id])
        .apply(([c]) =>
          withKubeloginMode(
            Buffer.from(c.kubeconfigs[0]?.value ?? "", "base64").toString("utf8"),
            args.kubeloginMode,
            args.kubelogin,
          ),
        ),
    );
    this.registerOutputs({ name: this.name, oidcIssuerUrl: this.oidcIssuerUrl });
  }
}
