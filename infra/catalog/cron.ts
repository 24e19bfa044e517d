// Cron expressions as Kubernetes reads a CronJob's schedule (robfig/cron's standard parser): five
// fields with their ranges and names, `*` or `?`, ranges, lists and steps, a macro, or
// `@every <Go duration>`.

export const CRON_MACROS = ["@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"];

interface CronField {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
}

const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

export const CRON_FIELDS: readonly CronField[] = [
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day of month", min: 1, max: 31 },
  { name: "month", min: 1, max: 12, names: MONTHS },
  { name: "day of week", min: 0, max: 6, names: DAYS },
];

/** What is wrong with a schedule, in words, or undefined when Kubernetes accepts it. */
export function cronProblem(schedule: string): string | undefined {
  const text = schedule.trim();
  if (/^@every(\s|$)/.test(text)) {
    return /^@every\s+(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(text)
      ? undefined
      : `"${text}" needs a duration such as @every 5m or @every 1h30m`;
  }
  if (text.startsWith("@")) {
    return CRON_MACROS.includes(text.toLowerCase())
      ? undefined
      : `"${text}" is not a macro Kubernetes knows (${CRON_MACROS.join(", ")}, @every <duration>)`;
  }
  if (/^(CRON_)?TZ=/.test(text)) return "a time zone inside the schedule is refused by Kubernetes";
  const parts = text.split(/\s+/);
  if (parts.length !== 5) {
    return `"${schedule}" has ${parts.length} field${parts.length === 1 ? "" : "s"}, not five (minute hour day-of-month month day-of-week)`;
  }
  for (const [i, part] of parts.entries()) {
    const problem = fieldProblem(part, CRON_FIELDS[i] as CronField);
    if (problem) return problem;
  }
  return undefined;
}

function fieldProblem(text: string, field: CronField): string | undefined {
  const allowed = `${field.min}-${field.max}${field.names ? ` or ${field.names[0]}-${field.names.at(-1)}` : ""}`;
  for (const item of text.split(",")) {
    const [range = "", step, extra] = item.split("/");
    if (extra !== undefined || range === "")
      return `${field.name} "${text}" is not a value, range, list or step`;
    if (step !== undefined && !(/^\d+$/.test(step) && Number(step) > 0)) {
      return `${field.name} "${text}": the step "${step}" must be a positive whole number`;
    }
    if (range === "*" || range === "?") continue;
    const bounds = range.split("-");
    if (bounds.length > 2) return `${field.name} "${text}" is not a value, range, list or step`;
    const values: number[] = [];
    for (const bound of bounds) {
      const value = cronValue(bound, field);
      if (value === undefined)
        return `${field.name} "${bound}" is not a number or name (allowed: ${allowed})`;
      if (value < field.min || value > field.max) {
        return `${field.name} ${bound} is out of range (allowed: ${allowed})`;
      }
      values.push(value);
    }
    if (values.length === 2 && (values[0] as number) > (values[1] as number)) {
      return `${field.name} range "${range}" runs backwards`;
    }
  }
  return undefined;
}

function cronValue(text: string, field: CronField): number | undefined {
  if (/^\d+$/.test(text)) return Number(text);
  const index = field.names?.indexOf(text.toUpperCase()) ?? -1;
  return index < 0 ? undefined : index + (field.name === "month" ? 1 : 0);
}
