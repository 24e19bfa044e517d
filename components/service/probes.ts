import type * as k8s from "@pulumi/kubernetes";

// Three probes, three questions (field notes, failure mode 7: `php -v` passed while the app
// could not serve). Kubernetes ignores the image's HEALTHCHECK, so these are the only truth.

/** How long a pod may take to start before it is restarted: 12 x 5 s. */
export const STARTUP_BUDGET_SECONDS = 60;

/** Probe timings, in seconds and tries; why each is what it is: see webProbes below. */
export const PROBE_TIMINGS = {
  /** Started yet? Polled often, so a fast boot joins quickly; the budget bounds a slow one. */
  startup: { periodSeconds: 5, timeoutSeconds: 2 },
  /** Ready to serve? 3 misses (15 s) take a pod out of rotation; one success brings it back. */
  readiness: { periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 3, successThreshold: 1 },
  /** Hung? 6 misses, a minute of a stuck server, before a restart: slow is not dead. */
  liveness: { periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 6 },
} as const;

export function webProbes(
  readinessPath: string,
): Required<Pick<k8s.types.input.core.v1.Container, "startupProbe" | "readinessProbe" | "livenessProbe">> {
  return {
    // Has the server process started? Caddy answers /metrics as soon as it listens; the budget
    // absorbs a slow boot without letting liveness kill the pod meanwhile.
    startupProbe: {
      httpGet: { path: "/metrics", port: "metrics" },
      periodSeconds: PROBE_TIMINGS.startup.periodSeconds,
      failureThreshold: STARTUP_BUDGET_SECONDS / PROBE_TIMINGS.startup.periodSeconds,
      timeoutSeconds: PROBE_TIMINGS.startup.timeoutSeconds,
    },
    // Can this pod serve the app right now? Goes through PHP to the service's own readiness
    // endpoint, which checks its database and Redis. Failing it only takes the pod out of rotation.
    readinessProbe: {
      httpGet: { path: readinessPath, port: "http" },
      ...PROBE_TIMINGS.readiness,
    },
    // Is the server hung? Never touches the database: a database outage must not restart every pod.
    livenessProbe: {
      httpGet: { path: "/metrics", port: "metrics" },
      ...PROBE_TIMINGS.liveness,
    },
  };
}
