import { describe, expect, it } from "vitest";
import { alertmanagerConfig, type Notifications } from "../../components/monitoring/alertmanager";
import { isSecretWrapper, reveal } from "../../tools/plan/redact";
import { baseConfig, plan } from "../helpers/program";

// Alertmanager routes from stack config: critical pages at any hour, warnings in working hours
// and never on holidays; the receiver URL stays a Pulumi secret.

const URL = "https://hooks.slack.com/services/T000/B000/abcdefghijklmnop";
const notifications: Notifications = {
  kind: "slack",
  timeZone: "Europe/Paris",
  workingDays: ["monday:friday"],
  start: "09:00",
  end: "18:00",
  holidays: ["2026-12-25", "2027-01-01"],
};

describe("alertmanagerConfig", () => {
  const config = alertmanagerConfig(notifications, URL) as {
    route: { receiver: string; routes: Array<Record<string, unknown>> };
    receivers: Array<Record<string, unknown>>;
    time_intervals: Array<{ name: string; time_intervals: Array<Record<string, unknown>> }>;
  };

  it("pages critical alerts at any hour and warnings only in working hours, never on holidays", () => {
    const [critical, warning] = config.route.routes;
    expect(critical).toMatchObject({ receiver: "team", matchers: ['severity="critical"'] });
    expect(critical?.active_time_intervals).toBeUndefined();
    expect(critical?.mute_time_intervals).toBeUndefined();
    expect(warning).toMatchObject({
      receiver: "team",
      matchers: ['severity="warning"'],
      active_time_intervals: ["working-hours"],
      mute_time_intervals: ["holidays"],
    });
    const holidays = config.time_intervals.find((t) => t.name === "holidays");
    expect(holidays?.time_intervals).toEqual(
      notifications.holidays.map((d) => {
        const [y, m, day] = d.split("-").map(Number);
        return {
          years: [String(y)],
          months: [String(m)],
          days_of_month: [String(day)],
          location: "Europe/Paris",
        };
      }),
    );
  });

  it("uses the receiver kind's own configuration block", () => {
    for (const [kind, block] of [
      ["slack", "slack_configs"],
      ["teams", "msteamsv2_configs"],
      ["webhook", "webhook_configs"],
    ] as const) {
      const c = alertmanagerConfig({ ...notifications, kind }, URL) as {
        receivers: Array<Record<string, unknown>>;
      };
      const team = c.receivers.find((r) => r.name === "team");
      expect(JSON.stringify(team?.[block])).toContain(URL);
    }
  });
});

describe("notifications in a plan", () => {
  const values = () => ({
    ...baseConfig(),
    monitoring: { enabled: true, notifications: { kind: "teams", holidays: ["2026-12-25"] } },
  });

  it("hands Alertmanager the routes with the URL only as a Pulumi secret", async () => {
    const planned = await plan(values(), {
      raw: { "platform:alertReceiverUrl": URL },
      secretKeys: ["platform:alertReceiverUrl"],
    });
    expect(planned.run.error).toBeUndefined();
    const chart = planned.resource("kubernetes:helm.sh/v4:Chart", (r) => r.name.startsWith("monitoring"));
    // The secret sits on the values (the engine lifts secretness to the enclosing object).
    const chartValues = (chart.inputs as { values: unknown }).values;
    expect(JSON.stringify(chartValues, (_k, v) => (isSecretWrapper(v) ? "[secret]" : v))).not.toContain(URL);
    const revealed = reveal(chartValues) as { alertmanager: { config: { receivers: unknown[] } } };
    expect(JSON.stringify(revealed.alertmanager.config.receivers)).toContain(URL);
    const plain = JSON.stringify(
      planned.resources.map((r) =>
        [r.inputs, r.state].map((x) => JSON.stringify(x, (_k, v) => (isSecretWrapper(v) ? "[secret]" : v))),
      ),
    );
    expect(plain).not.toContain("hooks.slack.com");
  }, 120_000);

  it("refuses notifications without the secret receiver URL, naming the key and the fix", async () => {
    const planned = await plan(values());
    expect(String(planned.run.error)).toContain("platform:alertReceiverUrl");
    expect(String(planned.run.error)).toContain("pulumi config set --secret platform:alertReceiverUrl");
    expect(planned.resources.filter((r) => r.custom)).toEqual([]);
  }, 120_000);
});
