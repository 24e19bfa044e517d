// logs-to-stdout: prevents "no witnesses" (field notes 3). A service crashed (OOM/SIGKILL) and Loki
// had nothing from the five minutes before: Monolog's fingers_crossed handler held the records in
// memory, and file handlers wrote var/log/prod.log inside the container where the collector never
// looked. Everything goes to stdout/stderr as JSON, unbuffered. Flagged in application containers
// (the application-workload rule of README.md): log variables (LOG*, MONOLOG_*, APP__LOG__*) whose
// value is a file (*.log, /var/log/..., var/log, %kernel.logs_dir%, file://), an in-memory stream
// (php://memory) or a buffering handler (fingers_crossed, buffer); Laravel file channels
// (LOG_CHANNEL=single|daily); volume mounts under a var/log or storage/logs path. Stack level: when
// application workloads exist but the stack has no log shipper (Alloy, Promtail, Fluent Bit, Vector,
// an OpenTelemetry collector... by image, component label or Helm chart) or no Loki. Those two are
// whole-stack conclusions (lib/stack-facts.ts): they need `wholeStack: true` (set by
// config/default.json, so by the plan, `policy check --stack` and pulumi preview with our config,
// never for a bare `policy check` of one manifest), and count what the plan says the stack installs
// outside the checked resources (`installedComponents`, e.g. Loki from a Helm chart). Advisory by
// default; our stacks make the missing shipper mandatory (missingLogShipper: mandatory).

import type { StackValidationPolicy } from "@pulumi/policy";
import { applicationImagesSchema, applicationWorkloads } from "../lib/apps";
import {
  COMPONENT_LABEL,
  chartComponents,
  componentOf,
  images,
  isLogShipperImage,
  isLokiImage,
  type StackComponent,
} from "../lib/classify";
import { nameTokens } from "../lib/env";
import { at, recs, str } from "../lib/json";
import { forStack } from "../lib/policy";
import { configSchema, type Reporter } from "../lib/report";
import type { StackIndex } from "../lib/stack";
import { type StackFacts, stackFacts, stackFactsSchema } from "../lib/stack-facts";

const POLICY = "logs-to-stdout";
const FIX =
  "Fix: log to stderr as JSON (APP__LOG__STREAM=php://stderr, APP__LOG__FORMAT=json) with a stream handler, no buffering; raise verbosity with MONOLOG_LEVEL__DEFAULT instead.";

function isLogName(name: string): boolean {
  if (name.toUpperCase().startsWith("MONOLOG")) return true;
  return nameTokens(name).some((t) =>
    ["LOG", "LOGS", "LOGGER", "LOGGING", "LOGFILE", "LOGDIR", "LOGPATH"].includes(t),
  );
}

const STD_STREAM = /^(php:\/\/(stderr|stdout|output)|\/dev\/(stdout|stderr)|\/proc\/self\/fd\/[12])$/;

function fileDestination(name: string, value: string): string | undefined {
  const v = value.trim();
  if (v === "" || STD_STREAM.test(v)) return undefined;
  if (/^php:\/\/(memory|temp)/.test(v)) return "an in-memory stream, lost when the process dies";
  if (/^(fingers_crossed|buffer)$/i.test(v))
    return "a buffering Monolog handler that holds records in memory until a threshold: a crash loses them";
  if (/^LOG_(CHANNEL|STACK)$/i.test(name) && /^(single|daily)$/i.test(v))
    return "a Laravel file channel (storage/logs/laravel.log)";
  if (/%kernel\.logs_dir%|(^|\/)var\/log(\/|$)|\.log$|^file:\/\/|(^|\/)storage\/logs(\/|$)/.test(v)) {
    return "a file inside the container, where no collector looks";
  }
  return undefined;
}

const LOG_MOUNT = /(^|\/)var\/log(\/|$)|(^|\/)storage\/logs(\/|$)/;

type Level = "mandatory" | "advisory" | "off";

function level(v: unknown): Level {
  return v === "mandatory" || v === "off" ? v : "advisory";
}

/** The log pipeline's components present in the stack: seen as workloads or charts, or stated. */
function pipeline(index: StackIndex, facts: StackFacts): Set<StackComponent> {
  const found = new Set<StackComponent>(facts.installed);
  for (const { w } of index.workloads) {
    const component = componentOf(w);
    if (component === "log-shipper" || images(w).some(isLogShipperImage)) found.add("log-shipper");
    if (component === "log-store" || images(w).some(isLokiImage)) found.add("log-store");
  }
  for (const o of index.objects) {
    if (!o.type.startsWith("kubernetes:helm.sh/")) continue;
    for (const c of chartComponents(`${str(at(o.props, "chart")) ?? ""} ${o.resource.name}`)) found.add(c);
  }
  return found;
}

function stackFinding(r: Reporter, l: Level, text: string): void {
  if (l === "mandatory") r.violation(undefined, text);
  else if (l === "advisory") r.note(undefined, text);
}

export const logsToStdout: StackValidationPolicy = {
  name: POLICY,
  description: "Application containers log to stdout/stderr, unbuffered; the stack ships logs to Loki.",
  enforcementLevel: "mandatory",
  configSchema: configSchema({
    ...applicationImagesSchema,
    ...stackFactsSchema,
    missingLogShipper: {
      type: "string",
      enum: ["mandatory", "advisory", "off"],
      default: "advisory",
      description: "Level of the finding 'application workloads but no log shipper in the stack'.",
    },
    missingLogStore: {
      type: "string",
      enum: ["mandatory", "advisory", "off"],
      default: "advisory",
      description: "Level of the finding 'application workloads but no Loki in the stack'.",
    },
  }),
  validateStack: forStack(POLICY, ({ index, r, cfg }) => {
    const apps = applicationWorkloads(index, cfg);
    for (const app of apps) {
      const target = app.sw.obj.target;
      for (const ac of app.containers) {
        for (const v of ac.env.vars.values()) {
          if (v.value === undefined || !isLogName(v.name)) continue;
          const dest = fileDestination(v.name, v.value);
          if (dest) {
            r.violation(target, `env ${v.name}=${v.value} (${v.from}) sends logs to ${dest}. ${FIX}`, {
              container: ac.c,
            });
          }
        }
        for (const m of recs(ac.c.spec.volumeMounts)) {
          const path = str(m.mountPath);
          if (path !== undefined && LOG_MOUNT.test(path)) {
            r.violation(
              target,
              `mounts volume "${str(m.name) ?? "?"}" at ${path}: logs written there never reach the collector and vanish with the pod. ${FIX}`,
              { container: ac.c },
            );
          }
        }
      }
    }
    const facts = stackFacts(cfg);
    if (apps.length === 0 || !facts.wholeStack) return;
    const found = pipeline(index, facts);
    const names = apps
      .slice(0, 3)
      .map((a) => `${a.sw.w.kind} ${a.sw.w.namespace}/${a.sw.w.name}`)
      .join(", ");
    if (!found.has("log-shipper")) {
      stackFinding(
        r,
        level(cfg.missingLogShipper),
        `Stack: application workloads (${names}${apps.length > 3 ? ", ..." : ""}) but no log shipper (Grafana Alloy, Promtail, Fluent Bit, Vector, an OpenTelemetry collector; image or ${COMPONENT_LABEL}=log-shipper): stdout is kept only until the pod is gone. Fix: deploy the log shipper DaemonSet with the stack (or set missingLogShipper: off if the cluster's pipeline is managed elsewhere).`,
      );
    }
    if (!found.has("log-store")) {
      stackFinding(
        r,
        level(cfg.missingLogStore),
        `Stack: application workloads (${names}${apps.length > 3 ? ", ..." : ""}) but no Loki (image grafana/loki or ${COMPONENT_LABEL}=log-store) to keep their logs. Fix: deploy Loki with the stack (a Loki installed from a Helm chart the checked manifests do not show is stated by the plan: check them with --config out/<stack>/policy-config.json), or set missingLogStore: off if logs go to another store.`,
      );
    }
  }),
};
