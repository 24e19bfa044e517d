import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { clusterHost } from "../kube/cluster-dns";
import type { LogLevel } from "./log-level";
import type { ServiceSpec } from "./spec";
import { resolvePhpLimits } from "./spec";

// The environment every container of a service gets: the runtime contract of
// docs/runtime-contract.md. Settings go to a ConfigMap; credentials only ever as secretKeyRef.

export const HTTP_PORT = 80;
export const METRICS_PORT = 2019;
/** Where the image keeps its code; FrankenPHP's images use /app. */
export const APP_ROOT = "/app";

/** `content` -> `CONTENT`, `log-shipper` -> `LOG_SHIPPER`. */
export function envKey(serviceName: string): string {
  return serviceName.toUpperCase().replaceAll("-", "_");
}

/**
 * One HOST/PORT/SCHEME triple per declared dependency: reading a service's ConfigMap shows whom
 * it calls, where one shared gateway host used to hide the graph. The series' HTTP clients read
 * the scheme and port once, from `APP__HTTP__SCHEME` / `APP__HTTP__PORT`, next to the per-target
 * hosts: those are set too, and equal every target's own (one in-cluster port and scheme).
 */
export function dependencyEnv(dependsOn: readonly string[], namespace: string): Record<string, string> {
  const env: Record<string, string> =
    dependsOn.length > 0 ? { APP__HTTP__SCHEME: "http", APP__HTTP__PORT: String(HTTP_PORT) } : {};
  for (const target of dependsOn) {
    const key = envKey(target);
    env[`APP__${key}__HOST`] = clusterHost(target, namespace);
    env[`APP__${key}__PORT`] = String(HTTP_PORT);
    env[`APP__${key}__SCHEME`] = "http";
  }
  return env;
}

export interface ApplicationEnvArgs {
  spec: ServiceSpec;
  namespace: string;
  logLevel: LogLevel;
  /** Settings from the backing services and the identity binding. */
  backingSettings: Record<string, pulumi.Input<string>>;
}

export function applicationEnv(args: ApplicationEnvArgs): Record<string, pulumi.Input<string>> {
  const { spec } = args;
  const php = resolvePhpLimits(spec.php);
  const env: Record<string, pulumi.Input<string>> = {
    APP_ENV: "prod",
    APP_DEBUG: "0",
    SERVER_NAME: `:${HTTP_PORT}`,
    // Caddy's admin endpoint serves the Prometheus metrics the probes and the scraper read.
    CADDY_GLOBAL_OPTIONS: `admin :${METRICS_PORT}\nmetrics`,
    APP_BUILD_DIR: `${APP_ROOT}/var/build`,
    APP__WORKER_MODE__ENABLED: spec.workerModeAudited ? "true" : "false",
    // Logs: structured, unbuffered, never to files; the level is the only knob. The main channel
    // goes to stdout, errors and the audit channel to stderr: the shipper keeps that as `stream`.
    MONOLOG_LEVEL__DEFAULT: args.logLevel,
    APP__LOG__FORMAT: "json",
    APP__LOG__STREAM: "php://stdout",
    APP__LOG__ERROR_STREAM: "php://stderr",
    PHP_MEMORY_LIMIT: `${php.memoryLimitMiB}M`,
    PHP_MAX_EXECUTION_TIME: String(php.maxExecutionSeconds),
    PHP_UPLOAD_MAX_FILESIZE: `${php.uploadMaxMiB}M`,
    PHP_POST_MAX_SIZE: `${php.uploadMaxMiB + 1}M`,
    ...dependencyEnv(spec.dependsOn, args.namespace),
  };
  return { ...env, ...args.backingSettings };
}

/** Credential variables, each a reference to a key of the service's credentials Secret. */
export function credentialEnv(
  keys: readonly string[],
  secretName: pulumi.Input<string>,
): k8s.types.input.core.v1.EnvVar[] {
  return [...keys]
    .sort()
    .map((key) => ({ name: key, valueFrom: { secretKeyRef: { name: secretName, key } } }));
}
