// meaningful-readiness: prevents the "ready is not the same as started" incident (field notes 7).
// The health check was `php -v`, which passes the instant the binary exists, while the entrypoint
// still polled the database for up to 60 s; the rolling deploy sent traffic to a pod that could not
// serve. A container that serves ports needs a readinessProbe that asks the application itself.
// Flagged: no readinessProbe; exec probes that only prove a binary/file/process exists (`php -v`,
// `true`, `echo`, `ls`, `test -f`, `cat`, `pgrep`, ...) or can never fail (`... || true`); and
// readiness on Caddy's admin/metrics port 2019, which answers 200 while PHP workers are broken (use
// it for startup and liveness, not readiness). Jobs and CronJobs do not take traffic: not checked.

import type { ResourceValidationPolicy } from "@pulumi/policy";
import { at, isRec, isUnknown, num, recs, strs } from "../lib/json";
import { forEachWorkload } from "../lib/policy";
import { CADDY_ADMIN_PORT, judgeExec } from "../lib/probes";
import { configSchema } from "../lib/report";
import { resolvePort, servingContainers } from "../lib/workload";

const FIX =
  "Fix: probe the application itself, e.g. httpGet on the serving port and a readiness path that checks PHP, the database and Redis (the runtime contract's readinessPath).";

export const meaningfulReadiness: ResourceValidationPolicy = {
  name: "meaningful-readiness",
  description: "Containers that serve ports have a readinessProbe that exercises the application.",
  enforcementLevel: "mandatory",
  configSchema: configSchema(),
  validateResource: forEachWorkload("meaningful-readiness", ({ w, target, r }) => {
    if (!w.longRunning) return;
    for (const c of servingContainers(w)) {
      const probe = c.spec.readinessProbe;
      if (isUnknown(probe)) continue;
      if (!isRec(probe)) {
        const ports = recs(c.spec.ports)
          .map((p) => num(p.containerPort))
          .filter((p) => p !== undefined);
        if (ports.length > 0) {
          r.violation(
            target,
            `serves port${ports.length > 1 ? "s" : ""} ${ports.join(", ")} but has no readinessProbe: a rolling update sends traffic to it as soon as the process starts. ${FIX}`,
            { container: c },
          );
        }
        continue;
      }
      if (isRec(probe.exec)) {
        const command = probe.exec.command;
        if (isUnknown(command)) continue;
        const verdict = judgeExec(strs(command));
        if (verdict.reason) {
          r.violation(target, `readinessProbe exec ${verdict.reason}. ${FIX}`, { container: c });
        }
        continue;
      }
      const http = at(probe, "httpGet");
      if (isRec(http)) {
        if (isUnknown(http.port)) continue;
        if (resolvePort(c, http.port) === CADDY_ADMIN_PORT) {
          r.violation(
            target,
            `readinessProbe httpGet :${CADDY_ADMIN_PORT}${typeof http.path === "string" ? http.path : "/"} asks Caddy's admin/metrics endpoint, which answers 200 while PHP workers are broken: keep it for startupProbe and livenessProbe. ${FIX}`,
            { container: c },
          );
        }
      }
      const tcp = at(probe, "tcpSocket");
      if (isRec(tcp) && resolvePort(c, tcp.port) === CADDY_ADMIN_PORT) {
        r.violation(
          target,
          `readinessProbe tcpSocket :${CADDY_ADMIN_PORT} only proves Caddy's admin port is open. ${FIX}`,
          { container: c },
        );
      }
    }
  }),
};
