// acr-private-premium: prevents a Premium registry (the one production pulls from) that any
// network can reach, that keeps every untagged manifest forever, or whose network access is left
// to the SDK default (publicNetworkAccess Enabled). On azure-native:containerregistry:Registry
// with sku Premium: publicNetworkAccess Disabled, or networkRuleSet.defaultAction Deny (a firewall
// for the CI runners' ranges); and policies.retentionPolicy enabled. Basic and Standard offer
// neither, and are not checked.

import type { ResourceValidationPolicy } from "@pulumi/policy";
import { at, isUnknown, str } from "../lib/json";
import { forTypes } from "../lib/policy";
import { configSchema } from "../lib/report";

const POLICY = "acr-private-premium";

export const acrPrivatePremium: ResourceValidationPolicy = {
  name: POLICY,
  description: "Premium registries are private (or firewalled) and delete untagged manifests.",
  enforcementLevel: "mandatory",
  configSchema: configSchema(),
  validateResource: forTypes(POLICY, ["azure-native:containerregistry:Registry"], ({ props, target, r }) => {
    const sku = at(props, "sku", "name");
    if (isUnknown(sku) || str(sku) !== "Premium") return;
    const pna = at(props, "publicNetworkAccess");
    const acl = at(props, "networkRuleSet", "defaultAction");
    if (!isUnknown(pna) && !isUnknown(acl)) {
      if (str(pna)?.toLowerCase() !== "disabled" && str(acl)?.toLowerCase() !== "deny") {
        r.violation(
          target,
          `accepts pulls and pushes from every network (publicNetworkAccess ${str(pna) ?? "unset, the SDK default Enabled"}, no Deny rule set). Fix: publicNetworkAccess: Disabled with a private endpoint, or networkRuleSet {defaultAction: Deny, ipRules: [<CI runners' ranges>]}.`,
        );
      }
    }
    const retention = at(props, "policies", "retentionPolicy", "status");
    if (!isUnknown(retention) && str(retention)?.toLowerCase() !== "enabled") {
      r.violation(
        target,
        "keeps untagged manifests forever (policies.retentionPolicy not enabled). Fix: policies {retentionPolicy: {status: enabled, days: 7}}.",
      );
    }
  }),
};
