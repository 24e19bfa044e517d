import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { azureSeverity } from "../../components/azure/azure-monitoring";
import { WINDOWS_TIME_ZONES } from "../../components/azure/windows-time-zones";
import { expandWeekdays, WEEKDAYS } from "../../components/monitoring/quiet-times";
import { notificationsSchema } from "../../infra/config/schema";
import type { Planned } from "../helpers/program";
import { plan } from "../helpers/program";
import { expectNoError, find, idOf, inputs, ofType, ROOT, stackValues, T } from "./helpers";

// Quiet hours on Azure as the provider receives them: alert processing rules that remove the
// action group of non-critical alerts. The test evaluates the rendered rules the way Azure does
// (scope, severity condition, effective period, recurrences in local time) and compares, minute by
// minute over the weeks around the holidays, with the quiet times read from the stack config.

const URL = "https://alerts.example.com/hooks/azure-monitor/0123456789abcdef";
const RULE = "azure-native:alertsmanagement:AlertProcessingRuleByName";
const RULE_GROUP = "azure-native:alertsmanagement:PrometheusRuleGroup";
const RESOURCE_GROUP = "azure-native:resources:ResourceGroup";

/** prod with notifications: two consecutive holidays and a lone one, a Saturday morning shift. */
const notificationsInput = {
  kind: "webhook",
  workingDays: ["monday:friday", "saturday"],
  start: "08:30",
  end: "17:00",
  holidays: ["2026-12-25", "2026-12-24", "2027-01-01"],
};

function withNotifications(n: Record<string, unknown>): Record<string, unknown> {
  const values = stackValues("prod");
  return { ...values, monitoring: { ...(values.monitoring as object), notifications: n } };
}

const options = {
  stack: "prod",
  raw: { "platform:alertReceiverUrl": URL },
  secretKeys: ["platform:alertReceiverUrl"],
};

interface Schedule {
  timeZone: string;
  effectiveFrom?: string;
  effectiveUntil?: string;
  recurrences?: Array<{
    recurrenceType: string;
    startTime?: string;
    endTime?: string;
    daysOfWeek?: string[];
  }>;
}
interface Rule {
  scopes: string[];
  conditions: Array<{ field: string; operator: string; values: string[] }>;
  actions: Array<{ actionType: string }>;
  enabled: boolean;
  schedule: Schedule;
}

/** A local wall-clock minute: date YYYY-MM-DD, weekday, time HH:MM:SS. */
interface Local {
  date: string;
  weekday: (typeof WEEKDAYS)[number];
  time: string;
}

function inRecurrence(r: NonNullable<Schedule["recurrences"]>[number], at: Local): boolean {
  if (r.recurrenceType === "Weekly" && !(r.daysOfWeek ?? []).some((d) => d.toLowerCase() === at.weekday))
    return false;
  const start = r.startTime ?? "00:00:00";
  const end = r.endTime ?? "24:00:00";
  // A start after the end runs through midnight (Azure's documented off-hours example).
  return start < end ? at.time >= start && at.time < end : at.time >= start || at.time < end;
}

/** Azure's reading of one rule for an alert of severity `sev` on a resource under `resource`. */
function removesActions(rule: Rule, resource: string, sev: string, at: Local): boolean {
  if (!rule.enabled || !rule.scopes.some((s) => resource === s || resource.startsWith(`${s}/`))) return false;
  for (const c of rule.conditions) {
    const hit = c.values.includes(sev);
    if ((c.operator === "Equals" && !hit) || (c.operator === "NotEquals" && hit) || c.field !== "Severity")
      return false;
  }
  const s = rule.schedule;
  const stamp = `${at.date}T${at.time}`;
  if (s.effectiveFrom && stamp < s.effectiveFrom) return false;
  if (s.effectiveUntil && stamp >= s.effectiveUntil) return false;
  const recurrences = s.recurrences ?? [];
  return recurrences.length === 0 || recurrences.some((r) => inRecurrence(r, at));
}

/** Every 15 minutes of `days` local days starting at `first`. */
function* minutes(first: string, days: number): Generator<Local> {
  const start = new Date(`${first}T00:00:00Z`);
  for (let m = 0; m < days * 24 * 60; m += 15) {
    const d = new Date(start.getTime() + m * 60_000);
    const iso = d.toISOString();
    yield {
      date: iso.slice(0, 10),
      weekday: WEEKDAYS[d.getUTCDay()] as Local["weekday"],
      time: iso.slice(11, 19),
    };
  }
}

let notified: Planned;
const config = notificationsSchema.parse(notificationsInput);

beforeAll(async () => {
  notified = await plan(withNotifications(notificationsInput), options);
  expectNoError(notified);
}, 240_000);

describe("quiet hours on Azure", () => {
  const rules = () => ofType(notified, RULE).map((r) => inputs(r).properties as Rule);

  it("remove the action group, scoped to the platform's resource group, in the stack's Windows time zone", () => {
    const group = idOf(find(notified, RESOURCE_GROUP));
    expect(rules().length).toBeGreaterThan(0);
    for (const rule of rules()) {
      expect(rule.actions).toEqual([{ actionType: "RemoveAllActionGroups" }]);
      expect(rule.scopes).toEqual([group]);
      expect(rule.schedule.timeZone).toBe(WINDOWS_TIME_ZONES[config.timeZone]);
    }
  });

  it("never touch critical alerts, and quiet non-critical ones exactly outside the configured working time", () => {
    const group = idOf(find(notified, RESOURCE_GROUP));
    // Prometheus rule groups' alerts fire on the workspace, which lives in the scoped group.
    const workspace = inputs(find(notified, T.metricsWorkspace));
    expect(workspace.resourceGroupName).toBe(inputs(find(notified, RESOURCE_GROUP)).resourceGroupName);
    const target = `${group}/providers/Microsoft.Monitor/accounts/${workspace.azureMonitorWorkspaceName}`;
    const working = expandWeekdays(config.workingDays);
    const quietPerConfig = (at: Local) =>
      config.holidays.includes(at.date) ||
      !working.has(at.weekday) ||
      at.time < `${config.start}:00` ||
      at.time >= `${config.end}:00`;
    // The severities the rendered rule groups use, with their labels.
    const planned = ofType(notified, RULE_GROUP).flatMap((g) => inputs(g).rules) as Array<{
      severity: number;
      labels: { severity: keyof typeof azureSeverity };
    }>;
    const severities = new Map(planned.map((r) => [r.labels.severity, `Sev${r.severity}`]));
    expect([...severities.keys()].sort()).toEqual(Object.keys(azureSeverity).sort());
    // From a week before the first holiday to a week after the last.
    const sorted = [...config.holidays].sort();
    const first = new Date(`${sorted[0]}T00:00:00Z`);
    first.setUTCDate(first.getUTCDate() - 7);
    const days = (Date.parse(`${sorted.at(-1)}T00:00:00Z`) - first.getTime()) / 86_400_000 + 14;
    let quietMinutes = 0;
    for (const at of minutes(first.toISOString().slice(0, 10), days)) {
      for (const [label, sev] of severities) {
        const removed = rules().some((rule) => removesActions(rule, target, sev, at));
        const expected = label !== "critical" && quietPerConfig(at);
        expect(removed, `${label} at ${at.date} ${at.time} (${at.weekday})`).toBe(expected);
        if (removed) quietMinutes++;
      }
    }
    expect(quietMinutes).toBeGreaterThan(0);
  });

  it("still send every alert to the action group otherwise", () => {
    const id = idOf(find(notified, "azure-native:monitor:ActionGroup"));
    for (const g of ofType(notified, RULE_GROUP))
      for (const rule of inputs(g).rules) expect(rule.actions).toEqual([{ actionGroupId: id }]);
  });
});

describe("the Windows time zone table", () => {
  const offsets = (zone: string) =>
    ["2026-01-15T12:00:00Z", "2026-07-15T12:00:00Z"].map(
      (t) =>
        new Intl.DateTimeFormat("en-US", { timeZone: zone, timeZoneName: "longOffset" })
          .formatToParts(new Date(t))
          .find((p) => p.type === "timeZoneName")?.value,
    );

  it("maps the schema's default zone and only zones the runtime knows (canonical names and aliases)", () => {
    expect(WINDOWS_TIME_ZONES[notificationsSchema.parse({ kind: "webhook" }).timeZone]).toBeDefined();
    for (const zone of Object.keys(WINDOWS_TIME_ZONES))
      expect(() => new Intl.DateTimeFormat("en-US", { timeZone: zone }), zone).not.toThrow();
  });

  it("gives one Windows name only to zones with the same winter and summer offsets", () => {
    const byWindows = new Map<string, string[]>();
    for (const [iana, windows] of Object.entries(WINDOWS_TIME_ZONES))
      byWindows.set(windows, [...(byWindows.get(windows) ?? []), iana]);
    for (const [windows, zones] of byWindows) {
      const [first, ...rest] = zones.map(offsets);
      for (const o of rest) expect(o, windows).toEqual(first);
    }
  });

  it("is the list docs/azure.md gives", () => {
    const doc = readFileSync(join(ROOT, "docs", "azure.md"), "utf8");
    const from = doc.indexOf("### Quiet hours for alerts");
    // The rows after the table's header.
    const section = doc.slice(doc.indexOf("|---|---|", from), doc.indexOf("\n## ", from));
    const rows = [...section.matchAll(/^\| `([^`]+)` \| ([^|]+) \|$/gm)].map((m) => [m[1], m[2]?.trim()]);
    expect(Object.fromEntries(rows)).toEqual(WINDOWS_TIME_ZONES);
  });

  it("refuses a zone it does not map, naming the field, before creating anything", async () => {
    const unmapped = Intl.supportedValuesOf("timeZone").find((z) => !(z in WINDOWS_TIME_ZONES)) as string;
    const refused = await plan(withNotifications({ ...notificationsInput, timeZone: unmapped }), options);
    const error = String(refused.run.error);
    expect(error).toContain("platform:monitoring.notifications.timeZone");
    expect(error).toContain(unmapped);
    expect(refused.resources.filter((r) => r.custom)).toEqual([]);
  }, 120_000);
});

describe("working days and hours", () => {
  it.each([
    [{ workingDays: ["friday:monday"] }, "workingDays"],
    [{ workingDays: ["funday"] }, "workingDays"],
    [{ start: "18:00", end: "09:00" }, "end"],
  ])("refuse %j", (bad, field) => {
    const parsed = notificationsSchema.safeParse({ kind: "webhook", ...bad });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => i.path[0])).toContain(field);
  });
});
