// azure-diagnostics-prod: prevents an incident in production with no record of who did what: who
// read a secret, who pushed an image, what the API server was asked to change. In production
// stacks, each Key Vault (AuditEvent), storage account (through its blob service), PostgreSQL
// flexible server, container registry and AKS cluster (kube-audit-admin) has an
// azure-native:monitor:DiagnosticSetting sending its logs to a Log Analytics workspace.

import type { StackValidationPolicy } from "@pulumi/policy";
import { propertyTargets } from "../lib/dependencies";
import { production, productionSchema } from "../lib/environment";
import { at, isUnknown, recs, str } from "../lib/json";
import { forStack } from "../lib/policy";
import { configSchema } from "../lib/report";

const POLICY = "azure-diagnostics-prod";

/** Types that need a diagnostic setting, with the log categories it must enable (any when empty). */
export const DIAGNOSED: Record<string, string[]> = {
  "azure-native:keyvault:Vault": ["AuditEvent"],
  "azure-native:storage:StorageAccount": [],
  "azure-native:dbforpostgresql:Server": [],
  "azure-native:containerregistry:Registry": [],
  "azure-native:containerservice:ManagedCluster": ["kube-audit-admin"],
};

export const azureDiagnosticsProd: StackValidationPolicy = {
  name: POLICY,
  description:
    "Production Key Vaults, storage, PostgreSQL, registries and AKS send their audit logs to Log Analytics.",
  enforcementLevel: "mandatory",
  configSchema: configSchema({ ...productionSchema }),
  validateStack: forStack(POLICY, ({ index, r, cfg, args }) => {
    const prod = production(args.stackTags, cfg, index);
    if (!prod.production) args.notApplicable(`not a production stack (${prod.why})`);
    // Target URN -> categories enabled for it by settings that reach a workspace.
    const enabled = new Map<string, Set<string>>();
    for (const s of index.byType.get("azure-native:monitor:DiagnosticSetting") ?? []) {
      const workspace = at(s.props, "workspaceId");
      if (!isUnknown(workspace) && !str(workspace)) continue;
      const logs = at(s.props, "logs");
      const categories = isUnknown(logs)
        ? ["*"]
        : recs(logs)
            .filter((l) => l.enabled !== false)
            .flatMap((l) => [str(l.category), str(l.categoryGroup)].filter((c): c is string => !!c));
      for (const urn of propertyTargets(s.resource, "resourceUri")) {
        const set = enabled.get(urn) ?? new Set<string>();
        for (const c of categories) set.add(c);
        enabled.set(urn, set);
      }
    }
    for (const [type, required] of Object.entries(DIAGNOSED)) {
      for (const o of index.byType.get(type) ?? []) {
        const got = enabled.get(o.resource.urn);
        if (!got) {
          r.violation(
            o.target,
            `has no diagnostic setting to a Log Analytics workspace in production (${prod.why}): its audit trail is lost. Fix: an azure-native:monitor:DiagnosticSetting {resourceUri: <its id>${type.endsWith("StorageAccount") ? "/blobServices/default" : ""}, workspaceId, logs: [...]} (platform:azure.logAnalyticsRetentionDays above 0).`,
          );
          continue;
        }
        const anyAudit = got.has("*") || got.has("allLogs") || got.has("audit");
        const missing = required.filter((c) => !got.has(c) && !anyAudit);
        if (missing.length > 0) {
          r.violation(
            o.target,
            `sends logs to Log Analytics without ${missing.join(", ")} (${prod.why}). Fix: enable the categories ${missing.join(", ")} (or the category group audit) in its diagnostic setting.`,
          );
        }
      }
    }
  }),
};
