import type { LogPipeline } from "../../components/logging/pipeline";

// What PHP apps really write, one record per line (Monolog 3), and the pipeline the logging tests
// generate their configurations from: test/logging/log-pipeline.test.ts and the e2e's log-shipper
// stand-in test (test/e2e/standins/) feed the same lines.

export const samplePipeline: LogPipeline = {
  namespaces: ["platform"],
  pushUrl: "http://loki.platform-logs.svc.cluster.local:3100/loki/api/v1/push",
  maxAgeHours: 168,
};

/** JsonFormatter: `level_name` ("ERROR") next to a numeric `level`. */
export const jsonFormatter = JSON.stringify({
  message: "Payment provider refused the card",
  context: { order: 42 },
  level: 400,
  level_name: "ERROR",
  channel: "app",
  datetime: "2026-12-01T10:00:00.000000+00:00",
  extra: {},
});

/** LogstashFormatter, the series' choice: the level's name in `level`. */
export const logstashFormatter = JSON.stringify({
  "@timestamp": "2026-12-01T10:00:01.000000+00:00",
  "@version": 1,
  host: "authentication-7d9c6f-x2k4p",
  message: "User logged in",
  type: "authentication",
  channel: "audit",
  level: "NOTICE",
  monolog_level: 250,
});

/** The main channel (stdout in the runtime contract). */
export const mainChannel = JSON.stringify({
  "@timestamp": "2026-12-01T10:00:02.000000+00:00",
  message: "Matched route",
  channel: "request",
  level: "INFO",
  monolog_level: 200,
});

/** A line that is not JSON: PHP's own fatal error. */
export const phpFatal = "PHP Fatal error:  Allowed memory size of 268435456 bytes exhausted";

/** The kubelet's CRI envelope around a line. */
export const cri = (stream: "stdout" | "stderr", line: string, at = "2026-12-01T10:00:03.123456789Z") =>
  `${at} ${stream} F ${line}`;

/** Each sample line on the stream the runtime contract sends it to. */
export const sampleLines: ReadonlyArray<{ name: string; stream: "stdout" | "stderr"; line: string }> = [
  { name: "JsonFormatter error", stream: "stderr", line: jsonFormatter },
  { name: "LogstashFormatter audit", stream: "stderr", line: logstashFormatter },
  { name: "main channel", stream: "stdout", line: mainChannel },
  { name: "PHP fatal error", stream: "stderr", line: phpFatal },
];
