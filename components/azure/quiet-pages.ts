import * as alertsmanagement from "@pulumi/azure-native/alertsmanagement";
import type * as azureInputs from "@pulumi/azure-native/types/input";
import type * as pulumi from "@pulumi/pulumi";
import type { QuietTimes } from "../monitoring/quiet-times";
import { windowsTimeZone } from "./windows-time-zones";

// The Azure side of "warnings page in working hours, never on holidays": alert processing rules
// that remove the action groups of non-critical alerts in the quiet times of
// `monitoring.notifications`. Critical alerts match no rule, so they page at any hour. Azure ORs
// the recurrences of one rule but gives it one effective period, so the working hours make one
// rule and every run of consecutive holidays one more.

/** An alert processing rule's schedule, as the provider takes it. */
export type QuietSchedule = azureInputs.alertsmanagement.ScheduleArgs;

export interface QuietRule {
  /** Suffix of the rule's name. */
  key: string;
  description: string;
  schedule: QuietSchedule;
}

const seconds = (hhmm: string) => `${hhmm}:00`;
const capitalized = (day: string) => `${day[0]?.toUpperCase()}${day.slice(1)}`;

/** The rules' schedules, in the Windows time zone Azure needs (throws on an unmapped zone). */
export function quietRules(quiet: QuietTimes): QuietRule[] {
  const timeZone = windowsTimeZone(quiet.timeZone);
  // The profile refuses an unmapped zone before registering anything (infra/profiles/azure.ts).
  if (timeZone === undefined) throw new Error(`no Windows time zone for ${quiet.timeZone}`);
  const offHours: QuietRule = {
    key: "off-hours",
    description: `Non-critical alerts page ${quiet.start}–${quiet.end} (${quiet.timeZone}) on working days only`,
    schedule: {
      timeZone,
      recurrences: [
        // Start after end: the quiet period runs through midnight.
        { recurrenceType: "Daily", startTime: seconds(quiet.end), endTime: seconds(quiet.start) },
        ...(quiet.offDays.length > 0
          ? [{ recurrenceType: "Weekly" as const, daysOfWeek: quiet.offDays.map(capitalized) }]
          : []),
      ],
    },
  };
  const holidays = quiet.holidays.map(
    (run): QuietRule => ({
      key: `holiday-${run.from}`,
      description: `Non-critical alerts do not page on the holidays from ${run.from} to before ${run.until} (${quiet.timeZone})`,
      schedule: { timeZone, effectiveFrom: `${run.from}T00:00:00`, effectiveUntil: `${run.until}T00:00:00` },
    }),
  );
  return [offHours, ...holidays];
}

export interface QuietPagesArgs {
  /** Name prefix of the rules (`<prefix>-off-hours`, `<prefix>-holiday-<date>`). */
  namePrefix: string;
  resourceGroupName: pulumi.Input<string>;
  /** Where the platform's alerts fire: its resource group's id. */
  scope: pulumi.Input<string>;
  /** Azure severities ("Sev2") of the alerts that wait for working hours. */
  severities: string[];
  quiet: QuietTimes;
  tags: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/** Registers one alert processing rule per quiet schedule. */
export function quietPages(name: string, args: QuietPagesArgs, parent: pulumi.Resource): void {
  for (const rule of quietRules(args.quiet)) {
    new alertsmanagement.AlertProcessingRuleByName(
      `${name}-${rule.key}`,
      {
        alertProcessingRuleName: `${args.namePrefix}-${rule.key}`,
        resourceGroupName: args.resourceGroupName,
        location: "Global",
        properties: {
          description: rule.description,
          enabled: true,
          scopes: [args.scope],
          conditions: [{ field: "Severity", operator: "Equals", values: args.severities }],
          actions: [{ actionType: "RemoveAllActionGroups" }],
          schedule: rule.schedule,
        },
        tags: args.tags,
      },
      { parent },
    );
  }
}
