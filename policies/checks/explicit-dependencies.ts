// explicit-dependencies: prevents "the host that hid the graph" (field notes 4). Every service had
// the same six APP__GATEWAY__{PRIVATE,PUBLIC}__{HOST,PORT,SCHEME} variables pointing at one gateway
// host, which hid who calls whom. In Kubernetes each dependency is its own variable named after the
// target, APP__CONTENT__HOST=content.<namespace>.svc.cluster.local, so the configuration *is* the
// dependency graph. Flagged: gateway host/URL variables (in container env or ConfigMap keys); an
// APP__<TARGET>__HOST naming `<svc>.<ns>.svc[.cluster.local]` (or a bare `<svc>`) when namespace
// <ns> is part of this stack but has no Service <svc>; and one non-Service host shared by three or
// more APP__*__HOST targets across the stack (a gateway in disguise). Hosts in namespaces this stack
// does not contain belong to another stack and are not judged.

import type { StackValidationPolicy } from "@pulumi/policy";
import { configMapData, type EnvVar, literalEnv, nameTokens } from "../lib/env";
import { strs } from "../lib/json";
import { T } from "../lib/k8s";
import { forStack } from "../lib/policy";
import { configSchema, glob, type Target, type Where } from "../lib/report";

const POLICY = "explicit-dependencies";
const GRAPH_FIX =
  "Fix: declare one variable set per dependency, named after the target (APP__CONTENT__HOST=content.<namespace>.svc.cluster.local); the gateway serves public traffic only.";

function isGatewayName(name: string): boolean {
  const t = nameTokens(name);
  return (
    t.includes("GATEWAY") &&
    t.some((x) => ["HOST", "URL", "URI", "ADDR", "ADDRESS", "ENDPOINT", "DSN", "BASE"].includes(x))
  );
}

const TARGET_HOST = /^APP__([A-Z0-9_]+?)__HOST$/;
const SERVICE_FQDN =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)\.([a-z0-9]([-a-z0-9]*[a-z0-9])?)\.svc(\.cluster\.local)?\.?$/;
const SINGLE_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

interface HostUse {
  target: Target;
  where: Where;
  variable: string;
  dependency: string;
}

export const explicitDependencies: StackValidationPolicy = {
  name: POLICY,
  description:
    "Service-to-service dependencies are one variable per target and point at Services of the stack.",
  enforcementLevel: "mandatory",
  configSchema: configSchema({
    externalHosts: {
      type: "array",
      items: { type: "string" },
      default: [],
      description:
        "Host globs that are legitimately shared or external (never reported as unresolved or shared).",
    },
    sharedHostThreshold: {
      type: "integer",
      minimum: 2,
      default: 3,
      description:
        "How many APP__*__HOST targets may point at one non-Service host before it counts as a hidden gateway.",
    },
  }),
  validateStack: forStack(POLICY, ({ index, r, cfg }) => {
    const external = strs(cfg.externalHosts);
    const threshold = typeof cfg.sharedHostThreshold === "number" ? cfg.sharedHostThreshold : 3;
    const byHost = new Map<string, HostUse[]>();

    const inspect = (
      target: Target,
      vars: EnvVar[],
      namespace: string,
      where: Where,
      label: (v: EnvVar) => string,
    ) => {
      for (const v of vars) {
        if (v.value === undefined) continue;
        if (isGatewayName(v.name)) {
          r.violation(
            target,
            `${label(v)} routes service-to-service calls through one shared gateway host, which hides who calls whom. ${GRAPH_FIX}`,
            where,
          );
          continue;
        }
        const m = TARGET_HOST.exec(v.name);
        if (!m?.[1]) continue;
        const host = v.value.trim().toLowerCase();
        if (host === "" || host === "localhost" || external.some((g) => glob(g, host))) continue;
        const fqdn = SERVICE_FQDN.exec(host);
        const svc = fqdn ? fqdn[1] : SINGLE_LABEL.test(host) ? host : undefined;
        const ns = fqdn ? fqdn[3] : namespace;
        if (svc !== undefined && ns !== undefined) {
          if (index.namespaces.has(ns) && !index.get("Service", ns, svc)) {
            r.violation(
              target,
              `${label(v)}=${v.value} names Service ${ns}/${svc}, which this stack does not define: the dependency points at nothing. Fix: add the Service (or correct the target), or list the host in externalHosts if another stack owns it.`,
              where,
            );
          }
          continue;
        }
        const uses = byHost.get(host) ?? [];
        uses.push({ target, where, variable: label(v), dependency: m[1] });
        byHost.set(host, uses);
      }
    };

    for (const { obj, w } of index.workloads) {
      for (const c of w.containers) {
        inspect(
          obj.target,
          literalEnv(c),
          w.namespace ?? "default",
          { container: c },
          (v) => `env ${v.name}`,
        );
      }
    }
    for (const cm of index.byType.get(T.configMap) ?? []) {
      const vars: EnvVar[] = Object.entries(configMapData(cm.props)).map(([name, value]) => ({
        name,
        value,
        origin: "literal",
        from: "data",
      }));
      inspect(cm.target, vars, cm.target.namespace ?? "default", {}, (v) => `data.${v.name}`);
    }

    for (const [host, uses] of byHost) {
      const dependencies = [...new Set(uses.map((u) => u.dependency))];
      if (dependencies.length < threshold) continue;
      const names = dependencies.map((d) => `APP__${d}__HOST`).join(", ");
      const reported = new Set<string>();
      for (const u of uses) {
        const key = `${u.target.urn ?? u.target.name}/${u.where.container?.name ?? ""}`;
        if (reported.has(key)) continue;
        reported.add(key);
        r.violation(
          u.target,
          `${u.variable} points at ${host}, like ${names}: ${dependencies.length} different dependencies behind one host is a gateway in disguise, and it hides the dependency graph. ${GRAPH_FIX}`,
          u.where,
        );
      }
    }
  }),
};
