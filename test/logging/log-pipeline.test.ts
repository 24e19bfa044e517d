import { describe, expect, it } from "vitest";
import { alloyConfig, type LogPipeline, promtailConfig, type Stage } from "../../components/logging/pipeline";
import { applicationEnv } from "../../components/service/environment";
import { catalog } from "../helpers/catalog";

// Feeds what PHP apps really write through the generated shipper configurations. No Alloy or
// Promtail binary is cheap to build here, so this interprets the generated stages with the
// semantics their documentation gives, for exactly the stage kinds and expression forms the
// platform generates: anything else makes the interpreter fail, so a new stage needs a new rule.

const pipeline: LogPipeline = {
  namespaces: ["platform"],
  pushUrl: "http://loki.platform-logs.svc.cluster.local:3100/loki/api/v1/push",
  maxAgeHours: 168,
};
const NOW = Date.parse("2026-12-01T10:00:05Z");

/** JMESPath, restricted to identifiers joined by `||` (the first truthy value wins). */
function jmespath(expression: string, document: Record<string, unknown>): unknown {
  const alternatives = expression.split("||").map((a) => a.trim());
  for (const name of alternatives) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`unsupported JMESPath: ${expression}`);
    const value = document[name];
    const falsy =
      value === undefined ||
      value === null ||
      value === false ||
      value === "" ||
      (Array.isArray(value) && value.length === 0) ||
      (typeof value === "object" && value !== null && Object.keys(value).length === 0);
    if (!falsy) return value;
  }
  return null;
}

/** Go text/template, restricted to `{{ ToLower .Value }}`. */
function template(text: string, value: string): string {
  if (text.trim() !== "{{ ToLower .Value }}") throw new Error(`unsupported template: ${text}`);
  return value.toLowerCase();
}

function hours(duration: string): number {
  const m = /^(\d+)h$/.exec(duration);
  if (!m) throw new Error(`unsupported duration: ${duration}`);
  return Number(m[1]);
}

interface Entry {
  labels: Record<string, string>;
  line: string;
}

/** Runs one raw kubelet log line through the stages; undefined when a stage drops it. */
function run(stages: Stage[], raw: string, now: number): Entry | undefined {
  let line = raw;
  let timestamp = now;
  const extracted: Record<string, string> = {};
  const labels: Record<string, string> = {};
  for (const stage of stages) {
    const [kind, args = {}] = Object.entries(stage)[0] ?? [];
    switch (kind) {
      case "cri": {
        const m = /^(\S+) (stdout|stderr) ([FP]) (.*)$/.exec(line);
        if (!m) break;
        timestamp = Date.parse(m[1] as string);
        extracted.stream = m[2] as string;
        line = m[4] as string;
        break;
      }
      case "drop":
        if (now - timestamp > hours(args.older_than as string) * 3_600_000) return undefined;
        break;
      case "json": {
        let document: Record<string, unknown>;
        try {
          document = JSON.parse(line);
        } catch {
          break; // not JSON: the stage leaves the entry alone
        }
        for (const [name, expression] of Object.entries(args.expressions as Record<string, string>)) {
          const value = jmespath(expression || name, document);
          if (value !== null) extracted[name] = typeof value === "string" ? value : JSON.stringify(value);
        }
        break;
      }
      case "template": {
        const source = args.source as string;
        if (extracted[source] !== undefined)
          extracted[source] = template(args.template as string, extracted[source]);
        break;
      }
      case "labels":
        for (const [name, from] of Object.entries(args as Record<string, string>)) {
          const value = extracted[from || name];
          if (value) labels[name] = value;
        }
        break;
      default:
        throw new Error(`the interpreter does not know stage "${kind}"`);
    }
  }
  return { labels, line };
}

/** The `loki.process` stages of the generated Alloy file, read back into the stage shape. */
function alloyStages(config: string): Stage[] {
  const block = /loki\.process "pods" \{\n([\s\S]*?)\n {2}forward_to/.exec(config)?.[1];
  if (!block) throw new Error("no loki.process block");
  const stages: Stage[] = [];
  // Alloy blocks: `stage.<kind> {}` or `stage.<kind> {` ... `}`, one attribute per line.
  for (const m of block.matchAll(/^ {2}stage\.(\w+) \{(\}|\n[\s\S]*?\n {2}\})$/gm)) {
    const args: Stage[string] = {};
    for (const a of (m[2] as string).matchAll(/^\s+(\w+)\s*=\s*(.+)$/gm)) {
      const raw = (a[2] as string).trim();
      args[a[1] as string] = raw.startsWith("{")
        ? Object.fromEntries(
            [...raw.matchAll(/(\w+)\s*=\s*("(?:[^"\\]|\\.)*")/g)].map((kv) => [
              kv[1] as string,
              JSON.parse(kv[2] as string) as string,
            ]),
          )
        : (JSON.parse(raw) as string);
    }
    // Alloy's stage.labels holds Promtail's bare map in its `values` attribute.
    const kind = m[1] as string;
    stages.push({ [kind]: kind === "labels" ? (args.values as Record<string, string>) : args });
  }
  return stages;
}

function promtailStages(): Stage[] {
  const config = promtailConfig(pipeline) as { scrape_configs: Array<{ pipeline_stages: Stage[] }> };
  return config.scrape_configs[0]?.pipeline_stages ?? [];
}

// What Monolog 3 writes, one record per line.
const jsonFormatter = JSON.stringify({
  message: "Payment provider refused the card",
  context: { order: 42 },
  level: 400,
  level_name: "ERROR",
  channel: "app",
  datetime: "2026-12-01T10:00:00.000000+00:00",
  extra: {},
});
const logstashFormatter = JSON.stringify({
  "@timestamp": "2026-12-01T10:00:01.000000+00:00",
  "@version": 1,
  host: "authentication-7d9c6f-x2k4p",
  message: "User logged in",
  type: "authentication",
  channel: "audit",
  level: "NOTICE",
  monolog_level: 250,
});
const mainChannel = JSON.stringify({
  "@timestamp": "2026-12-01T10:00:02.000000+00:00",
  message: "Matched route",
  channel: "request",
  level: "INFO",
  monolog_level: 200,
});
const cri = (stream: "stdout" | "stderr", line: string, at = "2026-12-01T10:00:03.123456789Z") =>
  `${at} ${stream} F ${line}`;

describe.each([
  ["alloy", () => alloyStages(alloyConfig(pipeline))],
  ["promtail", promtailStages],
])("the generated %s pipeline", (_, stages) => {
  it("is the same pipeline as the other shipper's", () => {
    expect(stages()).toEqual(promtailStages());
    expect(stages().length).toBeGreaterThan(0);
  });

  it("reads the level of JsonFormatter (level_name) and of LogstashFormatter (level)", () => {
    expect(run(stages(), cri("stderr", jsonFormatter), NOW)?.labels).toEqual({
      level: "error",
      stream: "stderr",
    });
    expect(run(stages(), cri("stderr", logstashFormatter), NOW)?.labels).toEqual({
      level: "notice",
      stream: "stderr",
    });
  });

  it("keeps the stream: the main channel on stdout apart from errors and audit on stderr", () => {
    expect(run(stages(), cri("stdout", mainChannel), NOW)?.labels).toEqual({
      level: "info",
      stream: "stdout",
    });
    const entry = run(stages(), cri("stdout", mainChannel), NOW);
    expect(entry?.line).toBe(mainChannel);
  });

  it("keeps a line that is not JSON (a PHP fatal error) with its stream and no level", () => {
    const fatal = "PHP Fatal error:  Allowed memory size of 268435456 bytes exhausted";
    expect(run(stages(), cri("stderr", fatal), NOW)).toEqual({ labels: { stream: "stderr" }, line: fatal });
  });

  it("drops a line older than the retention", () => {
    const old = new Date(NOW - (pipeline.maxAgeHours + 1) * 3_600_000).toISOString();
    expect(run(stages(), cri("stderr", jsonFormatter, old), NOW)).toBeUndefined();
  });
});

describe("the runtime contract's log streams", () => {
  it("sends the main channel to stdout and errors and audit to stderr, as JSON", () => {
    const spec = catalog[0];
    if (!spec) throw new Error("empty catalog");
    const env = applicationEnv({
      spec,
      namespace: "platform",
      logLevel: "warning",
      backingSettings: {},
    });
    expect(env).toMatchObject({
      APP__LOG__FORMAT: "json",
      APP__LOG__STREAM: "php://stdout",
      APP__LOG__ERROR_STREAM: "php://stderr",
    });
  });
});
