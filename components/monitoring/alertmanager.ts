import * as pulumi from "@pulumi/pulumi";

// Alertmanager's routing from stack config: one receiver (Slack, Microsoft Teams or any webhook)
// whose URL stays a Pulumi secret; critical alerts page at any hour; warnings only in working
// hours and never on the team's holidays (the same dates as the deploy window's freeze dates).

export interface Notifications {
  kind: "slack" | "teams" | "webhook";
  /** IANA time zone of the working hours and holidays. */
  timeZone: string;
  /** Days warnings may page, e.g. ["monday:friday"]. */
  workingDays: string[];
  /** "HH:MM" local times. */
  start: string;
  end: string;
  /** "YYYY-MM-DD" local dates without non-critical pages. */
  holidays: string[];
}

const RECEIVER = "team";
const SILENT = "silent";

function receiverConfig(kind: Notifications["kind"], url: string): Record<string, unknown> {
  switch (kind) {
    case "slack":
      return {
        slack_configs: [{ api_url: url, send_resolved: true, title: "{{ .CommonAnnotations.summary }}" }],
      };
    case "teams":
      return { msteamsv2_configs: [{ webhook_url: url, send_resolved: true }] };
    case "webhook":
      return { webhook_configs: [{ url, send_resolved: true }] };
  }
}

/** One time interval per holiday: Alertmanager matches a date as year, month and day of month. */
export function holidayIntervals(holidays: readonly string[], timeZone: string): Record<string, unknown>[] {
  return holidays.map((date) => {
    const [year, month, day] = date.split("-").map(Number);
    return {
      years: [String(year)],
      months: [String(month)],
      days_of_month: [String(day)],
      location: timeZone,
    };
  });
}

/** The whole Alertmanager configuration for a receiver URL (plain: the caller keeps it secret). */
export function alertmanagerConfig(n: Notifications, url: string): Record<string, unknown> {
  const timeIntervals = [
    {
      name: "working-hours",
      time_intervals: [
        { weekdays: n.workingDays, times: [{ start_time: n.start, end_time: n.end }], location: n.timeZone },
      ],
    },
    ...(n.holidays.length > 0
      ? [{ name: "holidays", time_intervals: holidayIntervals(n.holidays, n.timeZone) }]
      : []),
  ];
  return {
    route: {
      receiver: SILENT,
      group_by: ["alertname", "namespace", "service"],
      group_wait: "30s",
      group_interval: "5m",
      repeat_interval: "4h",
      routes: [
        { receiver: RECEIVER, matchers: ['severity="critical"'], repeat_interval: "1h" },
        {
          receiver: RECEIVER,
          matchers: ['severity="warning"'],
          active_time_intervals: ["working-hours"],
          ...(n.holidays.length > 0 ? { mute_time_intervals: ["holidays"] } : {}),
        },
      ],
    },
    // A warning firing outside working hours waits for them instead of paging.
    inhibit_rules: [
      {
        source_matchers: ['severity="critical"'],
        target_matchers: ['severity="warning"'],
        equal: ["alertname", "service"],
      },
    ],
    receivers: [{ name: SILENT }, { name: RECEIVER, ...receiverConfig(n.kind, url) }],
    time_intervals: timeIntervals,
  };
}

/** The configuration as a Pulumi secret: the URL never appears in state or rendered files. */
export function secretAlertmanagerConfig(
  n: Notifications,
  url: pulumi.Input<string>,
): pulumi.Output<Record<string, unknown>> {
  // pulumi.secret() on an object output loses its type; marking the URL secret first keeps both.
  return pulumi.secret(url).apply((u) => alertmanagerConfig(n, u));
}
