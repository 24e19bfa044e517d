import * as monitor from "@pulumi/azure-native/monitor";
import type * as pulumi from "@pulumi/pulumi";

// Azure's own logs of the services (who read a secret, who logged in to the registry, what the
// API server was asked to change) go to the stack's Log Analytics workspace through a diagnostic
// setting per resource, in resource-specific tables. Container logs are Loki's, not these.

/** The log categories each kind of resource sends: audit first, never the high-volume reads. */
export const DIAGNOSTIC_CATEGORIES = {
  keyVault: ["AuditEvent"],
  // Writes and deletes of media; reads of ~12 TB of media would cost more than they tell.
  blob: ["StorageWrite", "StorageDelete"],
  postgres: ["PostgreSQLLogs"],
  registry: ["ContainerRegistryLoginEvents", "ContainerRegistryRepositoryEvents"],
  // kube-audit-admin: the audit log without get/list (every write to the API server); guard:
  // Entra ID and Azure RBAC decisions.
  aks: ["kube-audit-admin", "guard"],
} as const;

export type DiagnosticTarget = keyof typeof DIAGNOSTIC_CATEGORIES;

export function sendDiagnostics(
  name: string,
  target: DiagnosticTarget,
  resourceUri: pulumi.Input<string>,
  workspaceId: pulumi.Input<string>,
  opts: pulumi.CustomResourceOptions,
): monitor.DiagnosticSetting {
  return new monitor.DiagnosticSetting(
    `${name}-diagnostics`,
    {
      name: "platform-log-analytics",
      resourceUri,
      workspaceId,
      logAnalyticsDestinationType: "Dedicated",
      logs: DIAGNOSTIC_CATEGORIES[target].map((category) => ({ category, enabled: true })),
    },
    opts,
  );
}
