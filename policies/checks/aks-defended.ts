// aks-defended: prevents a cluster whose nodes and workloads nobody watches. Requires, on
// azure-native:containerservice:ManagedCluster: Microsoft Defender's security monitoring
// (securityProfile.defender, reporting to a Log Analytics workspace), the Azure Policy add-on
// (addonProfiles.azurepolicy: the subscription's policy assignments enforced in the cluster), and
// encryption at host on every node pool (temporary disks, caches and OS disk data encrypted on the
// host), including node pools declared as azure-native:containerservice:AgentPool.

import type { ResourceValidationPolicy } from "@pulumi/policy";
import { at, isUnknown, recs } from "../lib/json";
import { forTypes } from "../lib/policy";
import { configSchema } from "../lib/report";

const POLICY = "aks-defended";

const ENCRYPTION_FIX =
  "Fix: enableEncryptionAtHost: true (register the subscription feature Microsoft.Compute/EncryptionAtHost once).";

export const aksDefended: ResourceValidationPolicy = {
  name: POLICY,
  description:
    "AKS clusters run Microsoft Defender and the Azure Policy add-on, and encrypt every node pool at host.",
  enforcementLevel: "mandatory",
  configSchema: configSchema(),
  validateResource: forTypes(
    POLICY,
    ["azure-native:containerservice:ManagedCluster", "azure-native:containerservice:AgentPool"],
    ({ props, target, r, args }) => {
      const encrypted = (pool: unknown, what: string) => {
        const v = at(pool, "enableEncryptionAtHost");
        if (!isUnknown(v) && v !== true)
          r.violation(target, `${what} does not set enableEncryptionAtHost. ${ENCRYPTION_FIX}`);
      };
      if (args.type === "azure-native:containerservice:AgentPool") {
        encrypted(props, "the node pool");
        return;
      }
      const defender = at(props, "securityProfile", "defender");
      const monitoring = at(defender, "securityMonitoring", "enabled");
      const workspace = at(defender, "logAnalyticsWorkspaceResourceId");
      if (!isUnknown(monitoring) && !isUnknown(workspace) && (monitoring !== true || !workspace)) {
        r.violation(
          target,
          "securityProfile.defender is not enabled with a workspace: threats on the nodes and in the API server go unseen. Fix: securityProfile.defender {logAnalyticsWorkspaceResourceId: <workspace id>, securityMonitoring: {enabled: true}} (platform:azure.logAnalyticsRetentionDays above 0).",
        );
      }
      const policy = at(props, "addonProfiles", "azurepolicy", "enabled");
      if (!isUnknown(policy) && policy !== true) {
        r.violation(
          target,
          "addonProfiles.azurepolicy is not enabled: the subscription's Azure Policy assignments do not reach the cluster. Fix: addonProfiles {azurepolicy: {enabled: true}}.",
        );
      }
      const pools = at(props, "agentPoolProfiles");
      if (isUnknown(pools)) return;
      for (const pool of recs(pools)) encrypted(pool, `agent pool ${String(pool.name ?? "?")}`);
    },
  ),
};
