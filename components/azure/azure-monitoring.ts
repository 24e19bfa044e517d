import * as alertsmanagement from "@pulumi/azure-native/alertsmanagement";
import * as authorization from "@pulumi/azure-native/authorization";
import * as dashboard from "@pulumi/azure-native/dashboard";
import * as monitor from "@pulumi/azure-native/monitor";
import * as pulumi from "@pulumi/pulumi";
import { dashboardConfigMap } from "../monitoring/dashboard-configmap";
import type { MonitoringStack } from "../monitoring/monitoring-stack";
import type { QuietTimes } from "../monitoring/quiet-times";
import type { RuleGroup } from "../monitoring/rules";
import type { AzureFoundation } from "./foundation";
import { quietPages } from "./quiet-pages";

// Monitoring on Azure: an Azure Monitor workspace (managed Prometheus) that AKS's metrics add-on
// (ama-metrics) writes to, Azure Managed Grafana reading it, and the platform's alert rules as
// Azure Monitor Prometheus rule groups. The add-on reads PodMonitors of its own API group
// (azmonitoring.coreos.com), so the monitors are the same objects under another group. The AKS
// cluster turns the add-on on (azureMonitorProfile.metrics, aks-cluster.ts). Alerts reach the
// team through an action group whose webhook is the stack's secret receiver URL.

/** Monitoring Data Reader: Grafana reads the workspace's metrics, nothing else. */
const MONITORING_DATA_READER = "b0d8363b-8ddd-447d-831f-62ca05bff136";

/** Severity of an Azure Monitor alert: 0 critical … 4 verbose. */
export const azureSeverity = { critical: 1, warning: 2 } as const;

/** The severities that page at any hour; the others wait for working hours. */
const PAGES_ANY_TIME: ReadonlySet<keyof typeof azureSeverity> = new Set(["critical"]);

export interface AzureMonitoringArgs {
  foundation: AzureFoundation;
  names: { workspace: string; grafana: string };
  /** The AKS cluster's name: rule groups are scoped to it. */
  clusterName: pulumi.Input<string>;
  /** The AKS cluster's resource id: its metrics add-on is associated with the collection rule. */
  clusterResourceId: pulumi.Input<string>;
  /** Namespace of the dashboard ConfigMaps (imported into Managed Grafana: docs/observability.md). */
  namespace: string;
  /**
   * Where every rule group's alerts are sent: an action group named `name` posting Azure's common
   * alert schema to `receiverUrl` (a Pulumi secret).
   * @default none: alerts fire in Azure Monitor and notify no one
   */
  actionGroup?: {
    name: string;
    shortName: string;
    receiverUrl: pulumi.Output<string>;
    /**
     * When non-critical alerts must not page (working hours, holidays): alert processing rules
     * named `<name>-off-hours` and `<name>-holiday-<date>` remove the action group then.
     */
    quiet: QuietTimes;
  };
}

export class AzureMonitoring extends pulumi.ComponentResource implements MonitoringStack {
  readonly monitorApiGroup = "azmonitoring.coreos.com";
  readonly ready: pulumi.Resource[] = [];
  readonly outputs: Record<string, pulumi.Input<unknown>>;
  private readonly workspace: monitor.AzureMonitorWorkspace;
  private readonly args: AzureMonitoringArgs;
  private readonly actionGroup?: monitor.ActionGroup;

  constructor(name: string, args: AzureMonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:azure:Monitoring", name, {}, opts);
    this.args = args;
    const f = args.foundation;
    const parent = { parent: this };
    this.workspace = new monitor.AzureMonitorWorkspace(
      `${name}-workspace`,
      {
        azureMonitorWorkspaceName: args.names.workspace,
        resourceGroupName: f.resourceGroupName,
        location: f.location,
        tags: f.tags,
      },
      parent,
    );
    // The metrics add-on (ama-metrics) sends what it scrapes through this rule to the workspace.
    const endpoint = new monitor.DataCollectionEndpoint(
      `${name}-endpoint`,
      {
        dataCollectionEndpointName: `dce-${args.names.workspace}`,
        resourceGroupName: f.resourceGroupName,
        location: f.location,
        kind: "Linux",
        tags: f.tags,
      },
      parent,
    );
    const stream = "Microsoft-PrometheusMetrics";
    const rule = new monitor.DataCollectionRule(
      `${name}-collection`,
      {
        dataCollectionRuleName: `dcr-${args.names.workspace}`,
        resourceGroupName: f.resourceGroupName,
        location: f.location,
        kind: "Linux",
        dataCollectionEndpointId: endpoint.id,
        dataSources: { prometheusForwarder: [{ name: "prometheus", streams: [stream] }] },
        destinations: { monitoringAccounts: [{ name: "workspace", accountResourceId: this.workspace.id }] },
        dataFlows: [{ streams: [stream], destinations: ["workspace"] }],
        tags: f.tags,
      },
      parent,
    );
    new monitor.DataCollectionRuleAssociation(
      `${name}-cluster-association`,
      {
        associationName: `dcra-${args.names.workspace}`,
        resourceUri: args.clusterResourceId,
        dataCollectionRuleId: rule.id,
        description: "AKS metrics add-on → the platform's Azure Monitor workspace",
      },
      parent,
    );
    const grafana = new dashboard.Grafana(
      `${name}-grafana`,
      {
        workspaceName: args.names.grafana,
        resourceGroupName: f.resourceGroupName,
        location: f.location,
        sku: { name: "Standard" },
        identity: { type: "SystemAssigned" },
        properties: {
          apiKey: "Disabled",
          deterministicOutboundIP: "Disabled",
          grafanaIntegrations: {
            azureMonitorWorkspaceIntegrations: [{ azureMonitorWorkspaceResourceId: this.workspace.id }],
          },
        },
        tags: f.tags,
      },
      parent,
    );
    new authorization.RoleAssignment(
      `${name}-grafana-reads-metrics`,
      {
        principalId: grafana.identity.apply((i) => i?.principalId ?? ""),
        principalType: "ServicePrincipal",
        roleDefinitionId: pulumi.interpolate`/subscriptions/${f.client.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${MONITORING_DATA_READER}`,
        scope: this.workspace.id,
        description: "Managed Grafana reads the platform's Prometheus metrics",
      },
      parent,
    );
    if (args.actionGroup) {
      this.actionGroup = new monitor.ActionGroup(
        `${name}-action-group`,
        {
          actionGroupName: args.actionGroup.name,
          groupShortName: args.actionGroup.shortName,
          resourceGroupName: f.resourceGroupName,
          location: "Global",
          enabled: true,
          webhookReceivers: [
            { name: "team", serviceUri: args.actionGroup.receiverUrl, useCommonAlertSchema: true },
          ],
          tags: f.tags,
        },
        // The receiver URL is a credential (a Slack or Teams webhook URL authorises posting).
        { ...parent, additionalSecretOutputs: ["webhookReceivers"] },
      );
      quietPages(
        `${name}-quiet`,
        {
          namePrefix: `apr-${args.actionGroup.name.replace(/^ag-/, "")}`,
          resourceGroupName: f.resourceGroupName,
          scope: f.resourceGroup.id,
          severities: Object.entries(azureSeverity)
            .filter(([label]) => !PAGES_ANY_TIME.has(label as keyof typeof azureSeverity))
            .map(([, sev]) => `Sev${sev}`),
          quiet: args.actionGroup.quiet,
          tags: f.tags,
        },
        this,
      );
    }
    this.outputs = {
      grafanaUrl: grafana.properties.apply((p) => p?.endpoint),
      prometheusQueryUrl: this.workspace.metrics.apply((m) => m?.prometheusQueryEndpoint),
    };
    this.registerOutputs(this.outputs);
  }

  addRules(name: string, groups: RuleGroup[], parent: pulumi.Resource): void {
    for (const group of groups) {
      new alertsmanagement.PrometheusRuleGroup(
        `${name}-${group.name}`,
        {
          ruleGroupName: group.name.replace(/\./g, "-"),
          resourceGroupName: this.args.foundation.resourceGroupName,
          location: this.args.foundation.location,
          clusterName: this.args.clusterName,
          scopes: [this.workspace.id],
          interval: `PT${group.interval.replace(/m$/, "M")}`,
          enabled: true,
          rules: group.rules.map((r) => ({
            alert: r.alert,
            expression: r.expr,
            for: `PT${r.for.replace(/m$/, "M").toUpperCase()}`,
            labels: r.labels,
            annotations: r.annotations,
            severity: azureSeverity[r.labels.severity],
            enabled: true,
            ...(this.actionGroup ? { actions: [{ actionGroupId: this.actionGroup.id }] } : {}),
          })),
        },
        { parent },
      );
    }
  }

  addDashboard(name: string, model: Record<string, unknown>, parent: pulumi.Resource): void {
    dashboardConfigMap(name, this.args.namespace, model, parent);
  }
}
