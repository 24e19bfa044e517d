// keyvault-protected: prevents losing every credential of the platform to one mistaken delete (or a
// malicious one): purge protection and soft delete keep a deleted vault and its secrets recoverable
// for the retention period. And a vault holding production credentials is not an internet-facing
// service: publicNetworkAccess Disabled or networkAcls.defaultAction Deny (pods reach it through a
// private endpoint with workload identity).

import type { ResourceValidationPolicy } from "@pulumi/policy";
import { at, bool, isUnknown, str } from "../lib/json";
import { forTypes } from "../lib/policy";
import { configSchema } from "../lib/report";

const POLICY = "keyvault-protected";

export const keyvaultProtected: ResourceValidationPolicy = {
  name: POLICY,
  description: "Key Vaults have purge protection and soft delete, and are not open to every network.",
  enforcementLevel: "mandatory",
  configSchema: configSchema({
    requirePrivateNetwork: {
      type: "boolean",
      default: true,
      description: "Require publicNetworkAccess Disabled or networkAcls.defaultAction Deny.",
    },
  }),
  validateResource: forTypes(POLICY, ["azure-native:keyvault:Vault"], ({ props, target, r, cfg }) => {
    const p = props.properties;
    if (isUnknown(p)) return;
    const purge = at(p, "enablePurgeProtection");
    if (purge !== true && !isUnknown(purge)) {
      r.violation(
        target,
        "properties.enablePurgeProtection is not true: a deleted vault and its secrets can be purged at once. Fix: enablePurgeProtection: true (it cannot be turned off again).",
      );
    }
    if (at(p, "enableSoftDelete") === false) {
      r.violation(
        target,
        "properties.enableSoftDelete is false: deleted secrets cannot be recovered. Fix: remove it (soft delete is on by default).",
      );
    }
    if ((bool(cfg.requirePrivateNetwork) ?? true) === false) return;
    const pna = at(p, "publicNetworkAccess");
    const acl = at(p, "networkAcls", "defaultAction");
    if (isUnknown(pna) || isUnknown(acl)) return;
    if (str(pna)?.toLowerCase() !== "disabled" && str(acl)?.toLowerCase() !== "deny") {
      r.violation(
        target,
        "the vault accepts connections from every network (publicNetworkAccess not Disabled and networkAcls.defaultAction not Deny). Fix: publicNetworkAccess: Disabled with a private endpoint, or networkAcls {defaultAction: Deny, bypass: AzureServices} plus the cluster's egress.",
      );
    }
  }),
};
