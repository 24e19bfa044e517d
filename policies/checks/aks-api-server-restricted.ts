// aks-api-server-restricted: prevents a production cluster whose API server answers the whole
// internet. Entra ID still authenticates every request, but the endpoint is the one a leaked
// token, a pre-auth bug or a brute force reaches first. In production stacks (stack tag
// platform:environment or a Namespace label in productionEnvironments), every
// azure-native:containerservice:ManagedCluster has apiServerAccessProfile.enablePrivateCluster
// true, or authorizedIPRanges listing public ranges none of which is 0.0.0.0/0.

import type { StackValidationPolicy } from "@pulumi/policy";
import { production, productionSchema } from "../lib/environment";
import { at, bool, isUnknown, strs } from "../lib/json";
import { forStack } from "../lib/policy";
import { configSchema } from "../lib/report";

const POLICY = "aks-api-server-restricted";

export const aksApiServerRestricted: StackValidationPolicy = {
  name: POLICY,
  description: "Production AKS clusters have a private API server or authorized IP ranges.",
  enforcementLevel: "mandatory",
  configSchema: configSchema({ ...productionSchema }),
  validateStack: forStack(POLICY, ({ index, r, cfg, args }) => {
    const prod = production(args.stackTags, cfg, index);
    if (!prod.production) args.notApplicable(`not a production stack (${prod.why})`);
    for (const o of index.byType.get("azure-native:containerservice:ManagedCluster") ?? []) {
      const access = at(o.props, "apiServerAccessProfile");
      if (isUnknown(access)) continue;
      if (bool(at(access, "enablePrivateCluster")) === true) continue;
      const ranges = at(access, "authorizedIPRanges");
      if (isUnknown(ranges)) continue;
      const list = strs(ranges);
      const open = list.filter((c) => c === "0.0.0.0/0" || c === "0.0.0.0");
      if (list.length > 0 && open.length === 0) continue;
      r.violation(
        o.target,
        `the API server of a production cluster (${prod.why}) accepts connections from ${list.length === 0 ? "any address (no authorizedIPRanges)" : "0.0.0.0/0"}. Fix: apiServerAccessProfile {authorizedIPRanges: [<CI runners' and admins' public ranges>]} (platform:azure.deployer.ipRanges, platform:azure.aks.authorizedIpRanges), or {enablePrivateCluster: true} (platform:azure.aks.privateCluster) and deploy from inside the network.`,
      );
    }
  }),
};
