// monitored: prevents the release nobody watches. Both talks in the field notes credit monitoring
// with finding every incident and put "revert first" on a 5xx spike at the centre of running
// production; a web Deployment whose metrics nobody scrapes, or that no alert names, fails silently.
// In production (stack tag, Namespace label or stack name, as protect-stateful-prod decides), every
// application Deployment that serves a port (web pods: app.kubernetes.io/component web or unset) must be selected by a PodMonitor or ServiceMonitor
// (Prometheus Operator, or Azure managed Prometheus' azmonitoring.coreos.com group) and named by at
// least one alert rule (a PrometheusRule, or an Azure Monitor Prometheus rule group): a rule whose
// `service` label is the workload's name, or whose expression matches it in a label matcher
// (`service="content"`, `pod=~"content-.*"`). Other environments are not checked.

import type { StackValidationPolicy } from "@pulumi/policy";
import { applicationImagesSchema, applicationWorkloads } from "../lib/apps";
import { production, productionSchema } from "../lib/environment";
import { arr, at, isRec, isUnknown, recs, str, strMap, strs } from "../lib/json";
import { selectorMatches } from "../lib/k8s";
import { forStack } from "../lib/policy";
import { configSchema } from "../lib/report";
import type { StackIndex, StackObject } from "../lib/stack";
import { servingContainers, type Workload } from "../lib/workload";

const POLICY = "monitored";
const MONITOR_GROUP = /^(az)?monitoring\.coreos\.com$/;
const AZURE_RULE_GROUP = "azure-native:alertsmanagement:PrometheusRuleGroup";
const NAME_LABEL = "app.kubernetes.io/name";
const COMPONENT_LABEL = "app.kubernetes.io/component";

/** Namespaces a monitor looks in: its namespaceSelector, or its own namespace. */
function watches(monitor: StackObject, namespace: string): boolean {
  const selector = at(monitor.props, "spec", "namespaceSelector");
  if (isRec(selector)) {
    if (selector.any === true) return true;
    const names = strs(selector.matchNames);
    if (names.length > 0) return names.includes(namespace);
  }
  return (monitor.target.namespace ?? "default") === namespace;
}

function monitorsOf(index: StackIndex, kind: "PodMonitor" | "ServiceMonitor"): StackObject[] {
  return index.ofKind(kind).filter((o) => {
    const group = /^kubernetes:([^/]+)\//.exec(o.type)?.[1];
    return group !== undefined && MONITOR_GROUP.test(group);
  });
}

/** True (scraped), false, or undefined when a selector is unknown during preview. */
function scraped(index: StackIndex, w: Workload): boolean | undefined {
  const ns = w.namespace ?? "default";
  let unknown = false;
  for (const pm of monitorsOf(index, "PodMonitor")) {
    if (!watches(pm, ns)) continue;
    const selector = at(pm.props, "spec", "selector");
    if (isUnknown(selector)) unknown = true;
    else if (selectorMatches(selector, w.podLabels)) return true;
  }
  const services = index.ofKind("Service").filter((s) => (s.target.namespace ?? "default") === ns);
  for (const sm of monitorsOf(index, "ServiceMonitor")) {
    if (!watches(sm, ns)) continue;
    const selector = at(sm.props, "spec", "selector");
    if (isUnknown(selector)) {
      unknown = true;
      continue;
    }
    for (const svc of services) {
      const labels = strMap(at(svc.props, "metadata", "labels"));
      const podSelector = strMap(at(svc.props, "spec", "selector"));
      const selectsPods =
        Object.keys(podSelector).length > 0 &&
        Object.entries(podSelector).every(([k, v]) => w.podLabels[k] === v);
      if (selectsPods && selectorMatches(selector, labels)) return true;
    }
  }
  return unknown ? undefined : false;
}

export interface Rule {
  alert: string;
  expr: string;
  labels: Record<string, string>;
}

/**
 * Alert rules the plan registered outside the Kubernetes objects (Azure Monitor rule groups), which
 * a check of the rendered manifests alone cannot see: out/<stack>/policy-config.json carries them.
 */
function rulesFromConfig(cfg: Record<string, unknown>): Rule[] {
  return arr(cfg.rulesOutsideManifests)
    .filter(isRec)
    .flatMap((rule) => {
      const alert = str(rule.alert);
      return alert ? [{ alert, expr: str(rule.expr) ?? "", labels: strMap(rule.labels) }] : [];
    });
}

/** The rules of an Azure Monitor Prometheus rule group's inputs, as the policy reads them. */
export function azureRuleGroupRules(props: Record<string, unknown>): Rule[] {
  return arr(props.rules)
    .filter(isRec)
    .flatMap((rule) => {
      const alert = str(rule.alert);
      return alert ? [{ alert, expr: str(rule.expression) ?? "", labels: strMap(rule.labels) }] : [];
    });
}

export const AZURE_RULE_GROUP_TYPE = AZURE_RULE_GROUP;

function alertRules(index: StackIndex, cfg: Record<string, unknown>): Rule[] {
  const rules: Rule[] = rulesFromConfig(cfg);
  for (const pr of index.ofKind("PrometheusRule")) {
    for (const group of recs(at(pr.props, "spec", "groups"))) {
      for (const rule of recs(group.rules)) {
        const alert = str(rule.alert);
        if (alert) rules.push({ alert, expr: str(rule.expr) ?? "", labels: strMap(rule.labels) });
      }
    }
  }
  for (const rg of index.objects.filter((o) => o.type === AZURE_RULE_GROUP))
    rules.push(...azureRuleGroupRules(rg.props));
  return rules;
}

/** Label matcher values of an expression: `service="content"` and `pod=~"content-.*"` give both. */
function matcherValues(expr: string): string[] {
  return [...expr.matchAll(/[A-Za-z_][A-Za-z0-9_]*\s*(?:=~|=)\s*"((?:[^"\\]|\\.)*)"/g)].map(
    (m) => m[1] ?? "",
  );
}

function names(rule: Rule, name: string): boolean {
  if (rule.labels.service === name) return true;
  return matcherValues(rule.expr).some(
    (v) => v === name || v.startsWith(`${name}-`) || v.startsWith(`${name}(`),
  );
}

export const monitored: StackValidationPolicy = {
  name: POLICY,
  description:
    "In production, every web Deployment is scraped (PodMonitor/ServiceMonitor) and named by an alert rule.",
  enforcementLevel: "mandatory",
  configSchema: configSchema({
    ...productionSchema,
    ...applicationImagesSchema,
    rulesOutsideManifests: {
      type: "array",
      description:
        "Alert rules registered outside the Kubernetes objects (Azure Monitor rule groups): the plan writes them into out/<stack>/policy-config.json.",
      items: { type: "object" },
      default: [],
    },
  }),
  validateStack: forStack(POLICY, ({ index, r, cfg, args }) => {
    const prod = production(args.stackTags, cfg, index);
    if (!prod.production) {
      args.notApplicable(`not a production stack (${prod.why})`);
      return;
    }
    const rules = alertRules(index, cfg as Record<string, unknown>);
    for (const { sw } of applicationWorkloads(index, cfg)) {
      const w = sw.w;
      if (w.kind !== "Deployment" || servingContainers(w).length === 0) continue;
      // Message consumers and other roles serve no requests: only web pods (or unlabelled ones).
      const component = w.podLabels[COMPONENT_LABEL];
      if (component !== undefined && component !== "web") continue;
      const where = `${w.kind} ${w.namespace ?? "default"}/${w.name}`;
      if (scraped(index, w) === false) {
        r.violation(
          sw.obj.target,
          `${where} serves traffic in production but no PodMonitor or ServiceMonitor selects its pods: its 5xx ratio and latency are invisible, and nothing can tell a bad release from a good one (prometheus.io/* annotations are not read by the Prometheus Operator). Fix: set platform:monitoring.enabled, or add a PodMonitor whose selector matches the pod labels and whose namespaceSelector includes ${w.namespace ?? "default"}.`,
        );
      }
      const name = w.podLabels[NAME_LABEL] ?? w.name;
      if (!rules.some((rule) => names(rule, name) || names(rule, w.name))) {
        r.violation(
          sw.obj.target,
          `${where} has no alert rule: no PrometheusRule or Azure Monitor rule group names "${name}" (a service="${name}" label, or a label matcher on it in the expression), so a 5xx spike or a crash loop pages nobody. Fix: set platform:monitoring.enabled, or add rules for its error ratio, latency and restarts.`,
        );
      }
    }
  }),
};
