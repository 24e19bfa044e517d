import * as pulumi from "@pulumi/pulumi";
import { AzureBacking } from "../../components/azure/azure-backing";
import { AzureLoki } from "../../components/azure/azure-loki";
import { AzureMonitoring } from "../../components/azure/azure-monitoring";
import { AzurePlatform, type ClusterSource } from "../../components/azure/azure-platform";
import { azureNames, type NamingInput, validateAzureNames } from "../../components/azure/naming";
import { windowsTimeZone } from "../../components/azure/windows-time-zones";
import type { AzureConfig } from "../../components/azure-options/schema";
import { credentialKeysOf, needsDedicated } from "../../components/backing/kind";
import { backingKinds, databaseKind, objectStoreKind, redisKind } from "../../components/backing/kinds";
import { type InputProblem, PlatformInputError } from "../../components/errors/input-error";
import { quietTimes } from "../../components/monitoring/quiet-times";
import type { ServiceSpec } from "../../components/service/spec";
import { existingClusterConnection } from "../cluster";
import { ENVIRONMENTS } from "../config/environments";
import type { LoadedConfig } from "../config/load";
import type { Profile } from "./profile";

// The Azure profile: AKS (created, or attached through a kube context, a kubeconfig secret or a
// stack reference), Azure Managed Redis, PostgreSQL flexible server, Blob Storage and Key Vault
// with workload identity, RabbitMQ through its operator, Loki from its chart. Every name and the
// cluster settings are checked before the first resource is registered.

/** Naming problems name the entry; each entry is a file of this directory. */
export const CATALOG_FILE = "infra/catalog/services/";

/**
 * Alerts leave Azure through an action group's webhook, in Azure's common alert schema, and their
 * quiet hours are alert processing rules, whose schedules need a Windows time zone name.
 */
function alertRoutingProblems(loaded: LoadedConfig): InputProblem[] {
  const { monitoring } = loaded.config;
  const notifications = monitoring.enabled ? monitoring.notifications : undefined;
  if (notifications === undefined) return [];
  const problems: InputProblem[] = [];
  if (windowsTimeZone(notifications.timeZone) === undefined) {
    problems.push({
      source: loaded.source,
      field: "platform:monitoring.notifications.timeZone",
      problem: `is ${notifications.timeZone}, which the azure profile cannot give Azure's alert processing rules (they take Windows time zone names, and the platform maps a fixed list)`,
      fix: `use a zone of the list in docs/azure.md ("Quiet hours for alerts"), e.g. Europe/Paris, or add its Windows name to components/azure/windows-time-zones.ts`,
    });
  }
  const kind = notifications.kind;
  if (kind === "webhook") return problems;
  return [
    ...problems,
    {
      source: loaded.source,
      field: "platform:monitoring.notifications.kind",
      problem: `is ${kind} on the azure profile: alerts go through an Azure Monitor action group, which posts Azure's common alert schema, and ${kind === "slack" ? "Slack" : "Teams"} incoming webhooks refuse that payload`,
      fix: "set kind: webhook, with platform:alertReceiverUrl the URL of a receiver that accepts the common alert schema (your incident tool's Azure Monitor integration, or a Logic App that posts to the channel)",
    },
  ];
}

/** Where the cluster comes from; every input problem of the profile is reported here, at once. */
function clusterSource(loaded: LoadedConfig, azure: AzureConfig): ClusterSource {
  const { cluster } = loaded.config;
  const problems: InputProblem[] = alertRoutingProblems(loaded);
  const problem = (field: string, text: string, fix: string) =>
    problems.push({ source: loaded.source, field, problem: text, fix });
  if (cluster.source === "aks") {
    if (!azure.aks) {
      problem(
        "platform:azure.aks",
        "is required when platform:cluster.source is aks (the stack creates the cluster)",
        "add platform:azure.aks with kubernetesVersion, systemPool and userPool (see docs/azure.md)",
      );
    }
    const aks = azure.aks;
    const openApiServer =
      aks &&
      !aks.privateCluster &&
      aks.authorizedIpRanges.length === 0 &&
      azure.deployer.ipRanges.length === 0;
    if (openApiServer && ENVIRONMENTS[loaded.config.environment].production) {
      problem(
        "platform:azure.aks.authorizedIpRanges",
        `is empty in ${loaded.config.environment}, and the cluster is not private: the API server would accept connections from the whole internet`,
        "list the public ranges allowed to reach it (platform:azure.deployer.ipRanges for the CI runners, platform:azure.aks.authorizedIpRanges for people), or set platform:azure.aks.privateCluster: true and deploy from inside the network",
      );
    }
    if (azure.existingCluster) {
      problem(
        "platform:azure.existingCluster",
        "only applies when the stack attaches to a cluster, but platform:cluster.source is aks",
        "remove platform:azure.existingCluster, or attach with platform:cluster.source context, kubeconfig or stack-reference",
      );
    }
  } else {
    if (!azure.existingCluster) {
      problem(
        "platform:azure.existingCluster",
        `is required when the stack attaches to a cluster (platform:cluster.source is ${cluster.source}): workload identity needs the cluster's OIDC issuer, and pods need a route to the private endpoints`,
        "add platform:azure.existingCluster {resourceGroupName, name, virtualNetworkId} of the cluster",
      );
    }
    if (azure.aks) {
      problem(
        "platform:azure.aks",
        `only applies when the stack creates the cluster, but platform:cluster.source is ${cluster.source}`,
        "remove platform:azure.aks, or set platform:cluster.source to aks",
      );
    }
  }
  if (problems.length > 0) throw new PlatformInputError(problems);
  if (cluster.source === "aks") return { create: true };
  // Checked above; narrowed here for the compiler.
  const existing = azure.existingCluster;
  if (!existing) throw new Error("internal: existingCluster checked above");
  return { create: false, existing };
}

export function azureProfile(loaded: LoadedConfig, services: readonly ServiceSpec[]): Profile {
  const { config } = loaded;
  const azure = config.azure;
  if (!azure) throw new Error("internal: the schema requires platform:azure for the azure profile");

  // Everything that can be wrong with the input is reported before the first resource exists.
  const source = clusterSource(loaded, azure);
  const naming: NamingInput = {
    prefix: azure.prefix,
    environment: config.environment,
    suffix: azure.nameSuffix,
  };
  validateAzureNames(
    naming,
    services.map((s) => ({
      name: s.name,
      dedicatedDatabase: needsDedicated(databaseKind, s),
      dedicatedRedis: needsDedicated(redisKind, s),
      buckets: (objectStoreKind.need(s) ?? []).map((b) => b.name),
      // Its own secrets become Key Vault secrets too (MAILER_DSN when the stack sets one).
      credentialKeys: [
        ...credentialKeysOf(backingKinds, s),
        ...(s.secrets ?? []).map((secret) => secret.name),
        "MAILER_DSN",
      ],
    })),
    { stackFile: loaded.source, catalogFile: CATALOG_FILE },
  );

  const names = azureNames(naming);
  const protect = azure.protectStateful ?? ENVIRONMENTS[config.environment].protectStateful;
  const createsCluster = source.create;
  const platform = new AzurePlatform("azure", {
    environment: config.environment,
    config: azure,
    names,
    protect,
    cluster: source,
    applicationRouting: config.gateway?.enabled === true && config.gateway.className.startsWith("approuting"),
    managedPrometheus: config.monitoring.enabled,
  });

  return {
    name: "azure",
    connection: {
      ...(platform.kubeconfig ? { kubeconfig: platform.kubeconfig } : existingClusterConnection(loaded)),
      // Production keeps its objects in the state when the API server cannot be reached.
      deleteUnreachable: !protect,
    },
    adminNamespace: true,
    createBacking: ({ namespace, adminNamespace, services: deployed, parent }) => {
      if (!adminNamespace)
        throw new Error("internal: the Azure profile's setup Jobs need the admin namespace");
      return new AzureBacking(
        "backing",
        {
          namespace,
          adminNamespace,
          services: deployed,
          foundation: platform.foundation,
          naming,
          names,
          config: azure,
          protect,
          vault: platform.vault,
          storage: platform.storage,
          issuer: platform.issuer,
          addons: {
            certManager: azure.addons.certManager ?? createsCluster,
            rabbitmqOperator: azure.addons.rabbitmqOperator ?? createsCluster,
          },
          monitoringNamespace: config.monitoringNamespace,
          requestScale: config.requestScale,
        },
        { parent },
      );
    },
    createLogStore: ({ namespace, retentionHours, monitoringNamespace, parent }) =>
      new AzureLoki(
        "loki",
        {
          namespace,
          retentionHours,
          monitoringNamespace,
          foundation: platform.foundation,
          storage: platform.storage,
          containers: names.lokiContainers,
          identityName: names.lokiIdentity,
          issuer: platform.issuer,
          replicas: azure.loki.replicas,
          storageGi: azure.loki.storageGi,
          requestScale: config.requestScale,
        },
        { parent },
      ).store,
    // Managed PostgreSQL, Redis and Blob Storage report to Azure Monitor's platform metrics.
    scrapeTargets: [],
    createMonitoring: ({ namespace, notifications, parent }) =>
      new AzureMonitoring(
        "monitoring",
        {
          foundation: platform.foundation,
          names: { workspace: `amw-${azure.nameSuffix}`, grafana: `amg-${azure.nameSuffix}` },
          clusterName: platform.clusterName,
          clusterResourceId: pulumi.interpolate`/subscriptions/${platform.foundation.client.subscriptionId}/resourceGroups/${
            source.create ? platform.foundation.resourceGroupName : source.existing.resourceGroupName
          }/providers/Microsoft.ContainerService/managedClusters/${platform.clusterName}`,
          namespace,
          ...(notifications
            ? {
                actionGroup: {
                  name: `ag-${azure.prefix}-${config.environment}`,
                  shortName: azure.prefix.slice(0, 12),
                  receiverUrl: notifications.receiverUrl,
                  quiet: quietTimes(notifications.routes),
                },
              }
            : {}),
        },
        { parent },
      ),
    outputs: platform.outputs(),
  };
}
