// aks-hardened: prevents the cluster from undermining every other policy. Without workload identity
// and the OIDC issuer, pods reach Key Vault and Blob Storage with long-lived keys (the credentials of
// field notes 2 again); with local accounts, a leaked admin kubeconfig bypasses Entra ID and its
// audit; without a network policy engine, every NetworkPolicy (default-deny-network) is silently
// ignored. Requires on azure-native:containerservice:ManagedCluster: oidcIssuerProfile.enabled,
// securityProfile.workloadIdentity.enabled, disableLocalAccounts (needs Entra ID integration:
// aadProfile.managed with enableAzureRBAC), and networkProfile.networkPolicy set (cilium, azure or
// calico; not none).

import type { ResourceValidationPolicy } from "@pulumi/policy";
import { at, isUnknown, str } from "../lib/json";
import { forTypes } from "../lib/policy";
import { configSchema } from "../lib/report";

const POLICY = "aks-hardened";

export const aksHardened: ResourceValidationPolicy = {
  name: POLICY,
  description:
    "AKS clusters enable workload identity and the OIDC issuer, disable local accounts and enforce network policies.",
  enforcementLevel: "mandatory",
  configSchema: configSchema(),
  validateResource: forTypes(
    POLICY,
    ["azure-native:containerservice:ManagedCluster"],
    ({ props, target, r }) => {
      const check = (value: unknown, ok: boolean, text: string) => {
        if (!isUnknown(value) && !ok) r.violation(target, text);
      };
      const oidc = at(props, "oidcIssuerProfile", "enabled");
      check(
        oidc,
        oidc === true,
        "oidcIssuerProfile.enabled is not true: no OIDC issuer, so no workload identity federation. Fix: oidcIssuerProfile: {enabled: true}.",
      );
      const wi = at(props, "securityProfile", "workloadIdentity", "enabled");
      check(
        wi,
        wi === true,
        "securityProfile.workloadIdentity.enabled is not true: pods would need long-lived keys for Key Vault and Blob Storage. Fix: securityProfile: {workloadIdentity: {enabled: true}}.",
      );
      const local = props.disableLocalAccounts;
      check(
        local,
        local === true,
        "disableLocalAccounts is not true: a static admin kubeconfig bypasses Entra ID and its audit trail. Fix: disableLocalAccounts: true with aadProfile {managed: true, enableAzureRBAC: true}.",
      );
      const np = at(props, "networkProfile", "networkPolicy");
      const engine = str(np);
      check(
        np,
        engine !== undefined && engine.toLowerCase() !== "none" && engine !== "",
        `networkProfile.networkPolicy is ${engine ?? "not set"}: NetworkPolicies are accepted but not enforced. Fix: networkProfile {networkPlugin: azure, networkPluginMode: overlay, networkDataplane: cilium, networkPolicy: cilium}.`,
      );
    },
  ),
};
