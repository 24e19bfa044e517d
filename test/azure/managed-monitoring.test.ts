import { execSync } from "node:child_process";
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { isSecretWrapper, reveal } from "../../tools/plan/redact";
import type { Planned } from "../helpers/program";
import { plan } from "../helpers/program";
import { plannedRuleGroups } from "../monitoring/helpers";
import { expectNoError, find, idOf, inputs, ofType, planStack, ROOT, stackValues, T } from "./helpers";

// Monitoring on Azure as the provider receives it: the managed Prometheus add-on on the cluster
// with its collection endpoint, rule and association; the alert rules as rule groups; alerts sent
// to an action group built from the stack's notifications, its webhook URL a secret throughout.

const URL = "https://alerts.example.com/hooks/azure-monitor/0123456789abcdef";
const RULE_GROUP = "azure-native:alertsmanagement:PrometheusRuleGroup";
const ACTION_GROUP = "azure-native:monitor:ActionGroup";

/** prod with `monitoring.notifications` of the given kind. */
function withNotifications(kind: string): Record<string, unknown> {
  const values = stackValues("prod");
  return {
    ...values,
    monitoring: { ...(values.monitoring as object), notifications: { kind, holidays: ["2026-12-25"] } },
  };
}

let prod: Planned;
let notified: Planned;
let staging: Planned;

beforeAll(async () => {
  // One program at a time: the mock runtime is process-wide.
  prod = await planStack("prod");
  expectNoError(prod);
  notified = await plan(withNotifications("webhook"), {
    stack: "prod",
    raw: { "platform:alertReceiverUrl": URL },
    secretKeys: ["platform:alertReceiverUrl"],
  });
  expectNoError(notified);
  staging = await planStack("staging");
  expectNoError(staging);
}, 240_000);

describe("managed Prometheus", () => {
  it("is turned on in the cluster when the stack enables monitoring, and off otherwise", () => {
    expect((stackValues("prod").monitoring as { enabled: boolean }).enabled).toBe(true);
    expect(inputs(find(prod, T.cluster)).azureMonitorProfile).toEqual({ metrics: { enabled: true } });
    expect((stackValues("staging").monitoring as { enabled?: boolean } | undefined)?.enabled ?? false).toBe(
      false,
    );
    expect(inputs(find(staging, T.cluster)).azureMonitorProfile).toEqual({ metrics: { enabled: false } });
    expect(ofType(staging, "azure-native:monitor:DataCollectionRule")).toEqual([]);
  });

  it("sends what the add-on scrapes through an endpoint and a rule associated with the cluster to the workspace", () => {
    const workspace = find(prod, T.metricsWorkspace);
    const endpoint = find(prod, "azure-native:monitor:DataCollectionEndpoint");
    const rule = find(prod, "azure-native:monitor:DataCollectionRule");
    const association = inputs(find(prod, "azure-native:monitor:DataCollectionRuleAssociation"));
    const r = inputs(rule);
    expect(r.dataCollectionEndpointId).toBe(idOf(endpoint));
    expect(r.dataSources.prometheusForwarder[0].streams).toEqual(["Microsoft-PrometheusMetrics"]);
    expect(r.destinations.monitoringAccounts[0].accountResourceId).toBe(idOf(workspace));
    expect(r.dataFlows[0]).toEqual({
      streams: ["Microsoft-PrometheusMetrics"],
      destinations: [r.destinations.monitoringAccounts[0].name],
    });
    expect(association.dataCollectionRuleId).toBe(idOf(rule));
    expect(association.resourceUri).toBe(idOf(find(prod, T.cluster)));
  });

  it("evaluates the same rules as the in-cluster profile, scoped to the workspace and the cluster", () => {
    const groups = ofType(prod, RULE_GROUP);
    expect(groups.length).toBeGreaterThan(0);
    const workspace = idOf(find(prod, T.metricsWorkspace));
    const clusterName = inputs(find(prod, T.cluster)).resourceName;
    for (const g of groups) {
      expect(inputs(g).scopes).toEqual([workspace]);
      expect(inputs(g).clusterName).toBe(clusterName);
    }
    // Every generated alert is there, with its expression (test/monitoring compares with the operator's).
    const alerts = plannedRuleGroups(prod).flatMap((g) => g.rules.map((rule) => rule.alert));
    expect(new Set(alerts).size).toBe(alerts.length);
    // Without notifications the rules fire in Azure Monitor only.
    expect(ofType(prod, ACTION_GROUP)).toEqual([]);
    for (const g of groups) for (const rule of inputs(g).rules) expect(rule.actions).toBeUndefined();
  });
});

describe("alert notifications on Azure", () => {
  it("create one action group whose webhook is the secret receiver URL, in the common alert schema", () => {
    const groups = ofType(notified, ACTION_GROUP);
    expect(groups).toHaveLength(1);
    const group = find(notified, ACTION_GROUP);
    const g = inputs(group);
    expect(g.enabled).toBe(true);
    expect(g.groupShortName.length).toBeLessThanOrEqual(12);
    expect(g.webhookReceivers).toEqual([{ name: "team", serviceUri: URL, useCommonAlertSchema: true }]);
    expect(isSecretWrapper(group.inputs.webhookReceivers)).toBe(true);
  });

  it("wire every rule of every group to it", () => {
    const id = idOf(find(notified, ACTION_GROUP));
    const groups = ofType(notified, RULE_GROUP);
    expect(groups.length).toBeGreaterThan(0);
    for (const g of groups)
      for (const rule of inputs(g).rules) expect(rule.actions, rule.alert).toEqual([{ actionGroupId: id }]);
  });

  it("never show the receiver URL in plain text", () => {
    const plain = JSON.stringify(
      notified.resources.map((r) =>
        [r.inputs, r.state].map((x) => JSON.stringify(x, (_k, v) => (isSecretWrapper(v) ? "[secret]" : v))),
      ),
    );
    expect(plain).not.toContain(URL);
    expect(JSON.stringify(reveal(notified.resources.map((r) => r.inputs)))).toContain(URL);
  });

  it.each(["slack", "teams"])(
    "refuse kind %s, whose webhooks do not take Azure's alert payload",
    async (kind) => {
      const refused = await plan(withNotifications(kind), {
        stack: "prod",
        raw: { "platform:alertReceiverUrl": URL },
        secretKeys: ["platform:alertReceiverUrl"],
      });
      const error = String(refused.run.error);
      expect(error).toContain("platform:monitoring.notifications.kind");
      expect(error).toContain("set kind: webhook");
      expect(refused.resources.filter((r) => r.custom)).toEqual([]);
    },
    120_000,
  );
});

describe("dashboards for Managed Grafana (docs/observability.md)", () => {
  const doc = readFileSync(join(ROOT, "docs", "observability.md"), "utf8");
  const shell = [...doc.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((m) => (m[1] ?? "").split("\n"));

  it("writes one JSON model per rendered dashboard with the command the docs show, where the import loop reads", () => {
    const line = shell.find((l) => l.startsWith("npm run -s dashboards --"));
    expect(line).toBe("npm run -s dashboards -- --stack prod --out out/prod/dashboards");
    const out = join(ROOT, "out", "prod", "dashboards");
    rmSync(out, { recursive: true, force: true });
    const printed = execSync(line as string, { cwd: ROOT, encoding: "utf8" })
      .trim()
      .split("\n");
    const rendered = prod
      .all("ConfigMap")
      .filter((c) => c.metadata.labels?.grafana_dashboard === "1")
      .flatMap((c) => Object.entries((c as unknown as { data: Record<string, string> }).data));
    expect(rendered.length).toBeGreaterThan(0);
    expect(readdirSync(out).sort()).toEqual(rendered.map(([file]) => file).sort());
    expect(printed).toHaveLength(rendered.length);
    for (const [file, model] of rendered)
      expect(JSON.parse(readFileSync(join(out, file), "utf8"))).toEqual(JSON.parse(model));
    const loop = shell.find((l) => l.startsWith("for f in "));
    expect(loop).toContain("out/prod/dashboards/*.json");
    expect(loop).toContain("az grafana dashboard import");
  }, 120_000);

  it("refuses a stack that renders no dashboard, naming the key to set", () => {
    let failure: { status?: number; stderr?: string } = {};
    try {
      execSync("npm run -s dashboards -- --stack staging --out out/staging/dashboards", {
        cwd: ROOT,
        encoding: "utf8",
        stdio: "pipe",
      });
    } catch (error) {
      failure = error as typeof failure;
    }
    expect(failure.status).toBe(2);
    expect(failure.stderr).toContain("platform:monitoring.enabled: true");
  }, 120_000);
});
