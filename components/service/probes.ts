import type * as k8s from "@pulumi/kubernetes";

// Three probes, three questions (field notes, failure mode 7: `php -v` passed while the app
// could not serve). Kubernetes ignores the image's HEALTHCHECK, so these are the only truth.

/** How long a pod may take to start before it is restarted: 12 x 5 s. */
export const STARTUP_BUDGET_SECONDS = 60;
const STARTUP_PERIOD_SECONDS = 5;

export function webProbes(
  readinessPath: string,
): Required<Pick<k8s.types.input.core.v1.Container, "startupProbe" | "readinessProbe" | "livenessProbe">> {
  return {
    // Has the server process started? Caddy answers /metrics as soon as it listens; the budget
    // absorbs a slow boot without letting liveness kill the pod meanwhile.
    startupProbe: {
      httpGet: { path: "/metrics", port: "metrics" },
      periodSeconds: STARTUP_PERIOD_SECONDS,
      failureThreshold: STARTUP_BUDGET_SECONDS / STARTUP_PERIOD_SECONDS,
      timeoutSeconds: 2,
    },
    // Can this pod serve the app right now? Goes through PHP to the service's own readiness
    // endpoint, which checks its database and Redis. Failing it only takes the pod out of rotation.
    readinessProbe: {
      httpGet: { path: readinessPath, port: "http" },
      periodSeconds: 5,
      timeoutSeconds: 3,
      failureThreshold: 3,
      successThreshold: 1,
    },
    // Is the server hung? Never touches the database: a database outage must not restart every pod.
    livenessProbe: {
      httpGet: { path: "/metrics", port: "metrics" },
      periodSeconds: 10,
      timeoutSeconds: 5,
      failureThreshold: 6,
    },
  };
}
