// protect-infrastructure-prod: prevents a production stack from losing what everything else runs
// on to one mistaken `pulumi destroy`, a refactor that replaces a resource, or a delete outside
// Pulumi. In production stacks (stack tag platform:environment, a Namespace label, or the stack
// name in productionEnvironments):
// - the resource group, virtual network, AKS cluster, container registry, user-assigned
//   identities (a replaced identity loses every role and federation) and Log Analytics workspace
//   carry the Pulumi `protect` option;
// - the resources that hold data or run the platform (Key Vault, storage account, PostgreSQL
//   flexible server, Azure Managed Redis, registry, AKS cluster) each have an Azure CanNotDelete
//   lock (azure-native:authorization:ManagementLockByScope whose scope is that resource);
// - no Kubernetes provider sets deleteUnreachable (an unreachable API server would otherwise drop
//   every object from the state).

import type { StackValidationPolicy } from "@pulumi/policy";
import { propertyTargets } from "../lib/dependencies";
import { production, productionSchema } from "../lib/environment";
import { at, str } from "../lib/json";
import { forStack } from "../lib/policy";
import { configSchema } from "../lib/report";

const POLICY = "protect-infrastructure-prod";

export const PROTECTED_INFRASTRUCTURE = [
  "azure-native:resources:ResourceGroup",
  "azure-native:network:VirtualNetwork",
  "azure-native:containerservice:ManagedCluster",
  "azure-native:containerregistry:Registry",
  "azure-native:managedidentity:UserAssignedIdentity",
  "azure-native:operationalinsights:Workspace",
];

export const LOCKED_TYPES = [
  "azure-native:keyvault:Vault",
  "azure-native:storage:StorageAccount",
  "azure-native:dbforpostgresql:Server",
  "azure-native:redisenterprise:RedisEnterprise",
  "azure-native:containerregistry:Registry",
  "azure-native:containerservice:ManagedCluster",
];

const LOCK = "azure-native:authorization:ManagementLockByScope";

export const protectInfrastructureProd: StackValidationPolicy = {
  name: POLICY,
  description:
    "Production infrastructure carries protect, CanNotDelete locks on what holds data, and no deleteUnreachable.",
  enforcementLevel: "mandatory",
  configSchema: configSchema({ ...productionSchema }),
  validateStack: forStack(POLICY, ({ index, r, cfg, args }) => {
    const prod = production(args.stackTags, cfg, index);
    if (!prod.production) args.notApplicable(`not a production stack (${prod.why})`);
    for (const type of PROTECTED_INFRASTRUCTURE) {
      for (const o of index.byType.get(type) ?? []) {
        if (o.resource.opts.protect === true) continue;
        r.violation(
          o.target,
          `is production infrastructure (${prod.why}) without the resource option protect: a rename, a replace or a destroy would delete it. Fix: { protect: true } in its resource options.`,
        );
      }
    }
    const locked = new Set<string>();
    for (const lock of index.byType.get(LOCK) ?? []) {
      if (str(at(lock.props, "level"))?.toLowerCase() !== "cannotdelete") continue;
      for (const urn of propertyTargets(lock.resource, "scope")) locked.add(urn);
    }
    for (const type of LOCKED_TYPES) {
      for (const o of index.byType.get(type) ?? []) {
        if (locked.has(o.resource.urn)) continue;
        r.violation(
          o.target,
          `holds production data or runs production (${prod.why}) but no CanNotDelete lock covers it: the portal, az or another tool can delete it. Fix: an azure-native:authorization:ManagementLockByScope {scope: <its id>, level: CanNotDelete}.`,
        );
      }
    }
    for (const o of index.byType.get("pulumi:providers:kubernetes") ?? []) {
      if (at(o.props, "deleteUnreachable") !== true && at(o.props, "deleteUnreachable") !== "true") continue;
      r.violation(
        o.target,
        `sets deleteUnreachable in production (${prod.why}): when the API server cannot be reached, Pulumi drops every Kubernetes object from the state. Fix: deleteUnreachable: false (or unset).`,
      );
    }
  }),
};
