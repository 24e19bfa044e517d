// The Monolog levels a service may log at (MONOLOG_LEVEL__DEFAULT), from the most to the least
// verbose: the option every service component takes, validated by infra/config/schema.ts.

export const logLevels = [
  "debug",
  "info",
  "notice",
  "warning",
  "error",
  "critical",
  "alert",
  "emergency",
] as const;

export type LogLevel = (typeof logLevels)[number];
