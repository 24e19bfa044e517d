import { describe, expect, it } from "vitest";
import { alloyConfig, promtailConfig, type Stage } from "../../components/logging/pipeline";
import { applicationEnv } from "../../components/service/environment";
import { catalog } from "../helpers/catalog";
import { alloyStages, runStages as run } from "./alloy-interpreter";
import {
  cri,
  jsonFormatter,
  logstashFormatter,
  mainChannel,
  phpFatal,
  samplePipeline as pipeline,
} from "./monolog-samples";

// Feeds what PHP apps really write (monolog-samples.ts) through the generated shipper
// configurations, with the interpreter of alloy-interpreter.ts (no Alloy or Promtail binary is
// cheap to build here).

const NOW = Date.parse("2026-12-01T10:00:05Z");

function promtailStages(): Stage[] {
  const config = promtailConfig(pipeline) as { scrape_configs: Array<{ pipeline_stages: Stage[] }> };
  return config.scrape_configs[0]?.pipeline_stages ?? [];
}

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
    expect(run(stages(), cri("stderr", phpFatal), NOW)).toEqual({
      labels: { stream: "stderr" },
      line: phpFatal,
    });
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
