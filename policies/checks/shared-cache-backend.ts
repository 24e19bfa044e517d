// shared-cache-backend: prevents "the cache that was lying" (field notes 6). With
// cache.adapter.filesystem in all 13 services, each pod had its own cache; sessions used the native
// (file) handler, so a second replica logged users out; locks on the pod's disk lock nothing. It
// only shows at two replicas, which is exactly when an HPA kicks in. Stack level, because replicas
// come from HPAs/KEDA ScaledObjects and values from ConfigMaps. Scope: application workloads (the
// rule in README.md: component label web/worker/..., or a container setting APP_ENV, infrastructure
// images excluded) that can run more than one pod (replicas > 1, an HPA or ScaledObject allowing
// more, or a DaemonSet). Flagged: a process-local backend (filesystem, apcu, array, native/file
// sessions, flock/semaphore locks, file:// or sqlite: DSNs) in a cache/session/lock variable, or no
// shared backend at all among the contract names. Worker mode on such a workload gets an advisory
// note: long-lived PHP processes keep state in memory and must be audited first.

import type { StackValidationPolicy } from "@pulumi/policy";
import { type AppContainer, applicationImagesSchema, applicationWorkloads } from "../lib/apps";
import { type EnvVar, nameTokens, truthy } from "../lib/env";
import { forStack } from "../lib/policy";
import { configSchema } from "../lib/report";
import { replicas } from "../lib/stack";

const POLICY = "shared-cache-backend";

const LOCAL_VALUE =
  /^(cache\.adapter\.(filesystem|apcu|array|php_files|phparray)|filesystem|apcu|array|native|native_file|files|file|session\.storage\.factory\.native|session\.handler\.native_file|session\.handler\.native|flock|semaphore|in[-_]?memory|memory|php_files)$/i;

/** Names of variables that select a cache, session, lock or rate-limiter backend. */
function isBackendName(name: string): boolean {
  const t = nameTokens(name);
  return t.some((x) =>
    ["CACHE", "SESSION", "SESSIONS", "LOCK", "LOCKS", "SEMAPHORE", "LIMITER", "STORE"].includes(x),
  );
}

/** The contract's and common names of a shared backend. */
const SHARED_NAMES = [
  "APP__CACHE__ADAPTER",
  "APP__SESSION__HANDLER",
  "LOCK_DSN",
  "CACHE_DSN",
  "CACHE_URL",
  "REDIS_URL",
  "REDIS_DSN",
  "REDIS_HOST",
  "VALKEY_URL",
  "IN_MEM_STORE__URI",
  "SESSION_HANDLER",
  "SESSION_DSN",
  "MEMCACHED_URL",
  "MEMCACHED_DSN",
];

function localBackend(v: EnvVar): string | undefined {
  if (v.value === undefined) return undefined;
  const value = v.value.trim();
  if (LOCAL_VALUE.test(value)) return value;
  if (/^(file:\/\/|sqlite:)/i.test(value)) return value.replace(/^(\w+:)\/*.*$/, "$1...");
  const t = nameTokens(v.name);
  if ((t.includes("SESSION") || t.includes("SESSIONS")) && t.includes("PATH") && value.startsWith("/"))
    return value;
  return undefined;
}

function isShared(v: EnvVar): boolean {
  if (v.origin === "secret" || v.origin === "unknown" || v.origin === "field") return true;
  return v.value !== undefined && v.value.trim() !== "" && localBackend(v) === undefined;
}

function workerMode(ac: AppContainer): string | undefined {
  const fp = ac.env.vars.get("FRANKENPHP_CONFIG")?.value;
  if (fp !== undefined && /\bworker\b/.test(fp)) return "FRANKENPHP_CONFIG starts PHP workers";
  if (truthy(ac.env.vars.get("APP__WORKER_MODE__ENABLED")?.value)) return "APP__WORKER_MODE__ENABLED is true";
  return undefined;
}

export const sharedCacheBackend: StackValidationPolicy = {
  name: POLICY,
  description:
    "Replicated application workloads share cache, sessions and locks through Redis (or another shared backend).",
  enforcementLevel: "mandatory",
  configSchema: configSchema(applicationImagesSchema),
  validateStack: forStack(POLICY, ({ index, r, cfg }) => {
    for (const app of applicationWorkloads(index, cfg)) {
      const rep = replicas(index, app.sw);
      if (!rep || rep.max === undefined || rep.max <= 1) continue;
      const target = app.sw.obj.target;
      const scale = `it can run several pods (${rep.why})`;
      for (const ac of app.containers) {
        let shared = false;
        let local = false;
        for (const v of ac.env.vars.values()) {
          const value = isBackendName(v.name) ? localBackend(v) : undefined;
          if (value !== undefined) {
            local = true;
            r.violation(
              target,
              `env ${v.name}=${value} (${v.from}) is local to the pod, but ${scale}: each pod gets its own cache, sessions or locks, so users are logged out and locks lock nothing. Fix: point it at Redis (APP__CACHE__ADAPTER=cache.adapter.redis, APP__SESSION__HANDLER=redis, LOCK_DSN from a Secret).`,
              { container: ac.c },
            );
          } else if (SHARED_NAMES.includes(v.name) && isShared(v)) {
            shared = true;
          }
        }
        if (!shared && !local && ac.env.opaque.length === 0) {
          r.violation(
            target,
            `${scale} but configures no shared cache, session or lock backend (none of ${SHARED_NAMES.slice(0, 3).join(", ")}, IN_MEM_STORE__URI, REDIS_URL... is set), so the framework defaults to the pod's filesystem. Fix: set APP__CACHE__ADAPTER=cache.adapter.redis, APP__SESSION__HANDLER=redis and IN_MEM_STORE__URI/LOCK_DSN from a Secret.`,
            { container: ac.c },
          );
        }
        const worker = workerMode(ac);
        if (worker) {
          r.note(
            target,
            `${worker} and ${scale}: long-lived PHP workers keep state in memory between requests (static caches, services, connections). Keep worker mode off unless the service was audited for it.`,
            { container: ac.c },
          );
        }
      }
    }
  }),
};
