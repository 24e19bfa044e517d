import type { Notifications } from "./alertmanager";

// When non-critical alerts must not page, read from `monitoring.notifications`: outside the
// working hours of the working days, and on the holidays (the deploy window's freeze dates). The
// in-cluster Alertmanager states this with its own time intervals (alertmanager.ts); profiles that
// need the quiet times spelled out (Azure's alert processing rules) take them from here.

/** Alertmanager's weekday names, in its order (a range such as monday:friday is inclusive). */
export const WEEKDAYS = [
  "sunday",
  "monday",
  "tuesday",
  "wednesday",
  "thursday",
  "friday",
  "saturday",
] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** A problem with one `workingDays` entry, or undefined when Alertmanager accepts it. */
export function weekdayEntryProblem(entry: string): string | undefined {
  const [first, last = first] = entry.split(":");
  const from = WEEKDAYS.indexOf(first as Weekday);
  const to = WEEKDAYS.indexOf(last as Weekday);
  if (from < 0 || to < 0) return `names no weekday (${WEEKDAYS.join(", ")})`;
  if (from > to) return "is a range whose first day comes after its last (weeks run sunday to saturday)";
  return undefined;
}

/** The weekdays a list of entries such as ["monday:friday"] covers (entries already validated). */
export function expandWeekdays(entries: readonly string[]): Set<Weekday> {
  const days = new Set<Weekday>();
  for (const entry of entries) {
    const [first, last = first] = entry.split(":");
    const from = WEEKDAYS.indexOf(first as Weekday);
    const to = WEEKDAYS.indexOf(last as Weekday);
    for (let i = from; i <= to; i++) days.add(WEEKDAYS[i] as Weekday);
  }
  return days;
}

/** Local whole days [from, until): `until` is the day after the last holiday of the run. */
export interface HolidayRun {
  from: string;
  until: string;
}

function nextDay(date: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

/** Holidays as runs of consecutive dates (sorted, duplicates merged). */
export function holidayRuns(holidays: readonly string[]): HolidayRun[] {
  const runs: HolidayRun[] = [];
  for (const date of [...new Set(holidays)].sort()) {
    const last = runs.at(-1);
    if (last && last.until === date) last.until = nextDay(date);
    else runs.push({ from: date, until: nextDay(date) });
  }
  return runs;
}

/** Quiet times in the notifications' local time zone. */
export interface QuietTimes {
  /** IANA time zone. */
  timeZone: string;
  /** Days without working hours: quiet all day. */
  offDays: Weekday[];
  /** Working hours of the other days, "HH:MM" local; quiet before `start` and from `end`. */
  start: string;
  end: string;
  holidays: HolidayRun[];
}

export function quietTimes(n: Notifications): QuietTimes {
  const working = expandWeekdays(n.workingDays);
  return {
    timeZone: n.timeZone,
    offDays: WEEKDAYS.filter((d) => !working.has(d)),
    start: n.start,
    end: n.end,
    holidays: holidayRuns(n.holidays),
  };
}
