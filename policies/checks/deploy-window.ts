// deploy-window: prevents the Friday-evening incident. The seeds' guard rails: deploys only during
// working hours, when the people who can watch the rollout and revert are at work (revert-first
// incident handling). Stack level: an update of a production stack (see protect-stateful-prod for
// how production is recognised) outside the configured days and hours in the configured IANA time
// zone, or on a freeze date, is a violation. `pulumi preview` (PULUMI_NODEJS_DRY_RUN=true) only gets
// an advisory note unless enforceOnPreview is set, so merge-request previews are never blocked by the
// clock. An emergency fix passes with a written reason (at least 20 characters) in the pack config
// (`override`) or in PLATFORM_DEPLOY_WINDOW_OVERRIDE; the reason is echoed as an advisory note for the
// audit trail. `now` in the config pins the clock for tests.

import type { StackValidationPolicy } from "@pulumi/policy";
import { env, isPreview, now, production, productionSchema } from "../lib/environment";
import { bool, str, strs } from "../lib/json";
import { forStack } from "../lib/policy";
import { configSchema, MIN_JUSTIFICATION } from "../lib/report";

const POLICY = "deploy-window";
export const OVERRIDE_ENV = "PLATFORM_DEPLOY_WINDOW_OVERRIDE";
const DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] as const;
const DEFAULTS = {
  timeZone: "Europe/Paris",
  days: ["mon", "tue", "wed", "thu", "fri"],
  start: "09:00",
  end: "17:00",
};

interface LocalTime {
  day: (typeof DAYS)[number];
  minutes: number;
  date: string; // YYYY-MM-DD in the zone
  shown: string;
}

export function localTime(at: Date, timeZone: string): LocalTime {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone,
    weekday: "short",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).formatToParts(at);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? "";
  const day = get("weekday").toLowerCase().slice(0, 3) as LocalTime["day"];
  const hour = Number(get("hour"));
  const minute = Number(get("minute"));
  const date = `${get("year")}-${get("month")}-${get("day")}`;
  return {
    day,
    minutes: hour * 60 + minute,
    date,
    shown: `${get("weekday")} ${date} ${get("hour")}:${get("minute")}`,
  };
}

function minutes(hhmm: string): number {
  const [h = "0", m = "0"] = hhmm.split(":");
  return Number(h) * 60 + Number(m);
}

export const deployWindow: StackValidationPolicy = {
  name: POLICY,
  description:
    "Production updates happen inside the configured working days and hours, or carry a written override.",
  enforcementLevel: "mandatory",
  configSchema: configSchema({
    ...productionSchema,
    timeZone: { type: "string", default: DEFAULTS.timeZone, description: "IANA time zone of the window." },
    days: {
      type: "array",
      items: { type: "string", enum: [...DAYS] },
      default: DEFAULTS.days,
      description: "Days on which production may be updated.",
    },
    start: {
      type: "string",
      pattern: "^([01]\\d|2[0-3]):[0-5]\\d$",
      default: DEFAULTS.start,
      description: "Window start, HH:MM local time.",
    },
    end: {
      type: "string",
      pattern: "^([01]\\d|2[0-4]):[0-5]\\d$",
      default: DEFAULTS.end,
      description: "Window end (exclusive), HH:MM local time.",
    },
    freezeDates: {
      type: "array",
      items: { type: "string", pattern: "^\\d{4}-\\d{2}-\\d{2}$" },
      default: [],
      description: "Local dates (YYYY-MM-DD) without production updates (holidays, code freezes).",
    },
    override: {
      type: "string",
      description: `A written reason (at least ${MIN_JUSTIFICATION} characters) that allows an update outside the window; ${OVERRIDE_ENV} does the same from CI.`,
    },
    enforceOnPreview: {
      type: "boolean",
      default: false,
      description: "Also fail `pulumi preview` outside the window (default: an advisory note).",
    },
    now: { type: "string", description: "ISO 8601 instant used as 'now' (tests and rehearsals)." },
  }),
  validateStack: forStack(POLICY, ({ index, r, cfg, args }) => {
    const prod = production(args.stackTags, cfg, index);
    if (!prod.production) args.notApplicable(`not a production stack (${prod.why})`);
    const timeZone = str(cfg.timeZone) ?? DEFAULTS.timeZone;
    const days = cfg.days === undefined ? DEFAULTS.days : strs(cfg.days);
    const start = str(cfg.start) ?? DEFAULTS.start;
    const end = str(cfg.end) ?? DEFAULTS.end;
    const at = now(cfg);
    if (!at) {
      r.violation(
        undefined,
        `Stack: deploy-window config 'now' is not an ISO 8601 instant (${String(cfg.now)}).`,
      );
      return;
    }
    let local: LocalTime;
    try {
      local = localTime(at, timeZone);
    } catch {
      r.violation(
        undefined,
        `Stack: deploy-window timeZone "${timeZone}" is not an IANA time zone; cannot tell whether this update is inside the window.`,
      );
      return;
    }
    const window = `${days.join(", ")} ${start}-${end} ${timeZone}`;
    const frozen = strs(cfg.freezeDates).includes(local.date);
    const inside =
      !frozen && days.includes(local.day) && local.minutes >= minutes(start) && local.minutes < minutes(end);
    if (inside) return;
    const when = `${local.shown} ${timeZone}${frozen ? " (a freeze date)" : ""}`;
    const reason = (str(cfg.override) ?? env(OVERRIDE_ENV) ?? "").trim();
    if (reason.length >= MIN_JUSTIFICATION) {
      r.note(
        undefined,
        `Stack: production update at ${when} is outside the deploy window (${window}); allowed by override: "${reason}".`,
      );
      return;
    }
    const overrideHint =
      reason.length > 0
        ? ` The override "${reason}" is ignored: a reason needs at least ${MIN_JUSTIFICATION} characters.`
        : "";
    const text = `Stack: production update (${prod.why}) at ${when} is outside the deploy window (${window}): deploy when the people who can watch and revert are at work.${overrideHint} Fix: wait for the window, or for an emergency set ${OVERRIDE_ENV}="<why this cannot wait>" (or the pack config override).`;
    if (isPreview() && !(bool(cfg.enforceOnPreview) ?? false)) {
      r.note(undefined, `${text} (preview only: an update now would be blocked)`);
    } else {
      r.violation(undefined, text);
    }
  }),
};
