// Reporting: message heads that name the resource and container, exemptions from the pack config,
// and annotation exemptions that are ignored unless the policy's config allows them.

import type { PolicyConfigSchema, ReportViolation } from "@pulumi/policy";
import type { PolicyConfigJSONSchema } from "@pulumi/policy/schema";
import { bool, type Rec, recs, str } from "./json";
import { kubeType, meta } from "./k8s";
import { Recent } from "./recent";
import { type ContainerRef, roleLabel } from "./workload";

export const ANNOTATION_PREFIX = "policies.platform.internal/exempt.";
export const MIN_JUSTIFICATION = 20;

/** What a violation is about. */
export interface Target {
  type: string;
  /** Kubernetes kind, or the last segment of the type token for other providers. */
  kind: string;
  /** metadata.name for Kubernetes objects, the Pulumi resource name otherwise. */
  name: string;
  namespace: string | undefined;
  urn: string | undefined;
  annotations: Record<string, string>;
  kube: boolean;
}

const targetCache = new Recent<Rec, Target>();

/** What a violation is about (remembered for the last few props objects: one is one resource). */
export function targetOf(type: string, name: string, props: Rec, urn?: string): Target {
  const hit = targetCache.get(props);
  if (hit && hit.type === type && hit.urn === urn) return hit;
  const t = computeTarget(type, name, props, urn);
  targetCache.set(props, t);
  return t;
}

function computeTarget(type: string, name: string, props: Rec, urn?: string): Target {
  const t = kubeType(type);
  if (t) {
    const m = meta(t.kind, props);
    return {
      type,
      kind: t.kind,
      name: m.name ?? name,
      namespace: m.namespace,
      urn,
      annotations: m.annotations,
      kube: true,
    };
  }
  return {
    type,
    kind: type.slice(type.lastIndexOf(":") + 1) || type,
    name,
    namespace: undefined,
    urn,
    annotations: {},
    kube: false,
  };
}

export function describe(t: Target): string {
  if (t.kube) return `${t.kind} ${t.namespace ? `${t.namespace}/` : ""}${t.name}`;
  return `${t.type} "${t.name}"`;
}

// ---- configuration ---------------------------------------------------------------------------

export interface Exemption {
  kind?: string;
  type?: string;
  namespace?: string;
  name: string;
  container?: string;
  justification: string;
}

export interface CommonConfig {
  exemptions: Exemption[];
  allowAnnotationExemptions: boolean;
}

const exemptionSchema: PolicyConfigJSONSchema = {
  type: "object",
  description:
    "Exempts one resource (and optionally one container) from this policy. Kubernetes objects match on kind, " +
    "namespace and metadata.name; other resources on type and Pulumi name. namespace, name and container accept " +
    "`*` globs; an omitted namespace matches every namespace.",
  properties: {
    kind: { type: "string", description: "Kubernetes kind, e.g. DaemonSet." },
    type: { type: "string", description: "Pulumi type token, e.g. azure-native:storage:StorageAccount." },
    namespace: { type: "string", description: "Namespace glob; omit to match any namespace." },
    name: { type: "string", minLength: 1, description: "metadata.name (Kubernetes) or Pulumi name; glob." },
    container: { type: "string", description: "Container name glob; only container-level findings match." },
    justification: {
      type: "string",
      minLength: MIN_JUSTIFICATION,
      description: `Why the exemption is safe (at least ${MIN_JUSTIFICATION} characters).`,
    },
  },
  required: ["name", "justification"],
  additionalProperties: false,
};

/** configSchema of a policy: its own keys plus `exemptions` and `allowAnnotationExemptions`. */
export function configSchema(properties: Record<string, PolicyConfigJSONSchema> = {}): PolicyConfigSchema {
  return {
    properties: {
      ...properties,
      exemptions: {
        type: "array",
        description: "Per-resource (and per-container) exemptions, each with a written justification.",
        items: exemptionSchema,
        default: [],
      },
      allowAnnotationExemptions: {
        type: "boolean",
        description: `Honour \`${ANNOTATION_PREFIX}<policy-id>\` annotations on resources (off: teams must not exempt themselves).`,
        default: false,
      },
    },
  };
}

export function commonConfig(cfg: Rec): CommonConfig {
  const exemptions: Exemption[] = [];
  for (const e of recs(cfg.exemptions)) {
    exemptions.push({
      kind: str(e.kind),
      type: str(e.type),
      namespace: str(e.namespace),
      name: str(e.name) ?? "",
      container: str(e.container),
      justification: str(e.justification) ?? "",
    });
  }
  return { exemptions, allowAnnotationExemptions: bool(cfg.allowAnnotationExemptions) ?? false };
}

const globCache = new Map<string, RegExp>();

export function glob(pattern: string, value: string): boolean {
  let re = globCache.get(pattern);
  if (!re) {
    const body = pattern
      .split("*")
      .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
      .join(".*");
    re = new RegExp(`^${body}$`);
    globCache.set(pattern, re);
  }
  return re.test(value);
}

function matches(e: Exemption, t: Target, container: string | undefined): boolean {
  if (e.type !== undefined && e.type !== t.type) return false;
  if (e.kind !== undefined && e.kind !== t.kind) return false;
  if (e.namespace !== undefined && !glob(e.namespace, t.namespace ?? "")) return false;
  if (!glob(e.name, t.name)) return false;
  if (e.container !== undefined && (container === undefined || !glob(e.container, container))) return false;
  return true;
}

// ---- the reporter --------------------------------------------------------------------------------

export interface Where {
  container?: ContainerRef;
}

export interface Reporter {
  /** Reports at the policy's enforcement level unless exempted; no target = the stack as a whole. */
  violation(target: Target | undefined, text: string, where?: Where): void;
  /** Always advisory (a note attached to a mandatory policy, e.g. an upcoming retirement). */
  note(target: Target | undefined, text: string, where?: Where): void;
}

type ObjectReport = (d: { message: string; enforcementLevel: "advisory"; urn?: string }) => void;

/**
 * `mode: "stack"` passes the target's URN so the engine attributes a stack-level finding to the
 * resource. Advisory notes use the analyzer's object form of reportViolation (server.js honours an
 * `enforcementLevel` on it), so a note never blocks an update even when the policy is mandatory.
 * The policy config is read on the first finding only (most resources have none).
 */
class PolicyReporter implements Reporter {
  private common: CommonConfig | undefined;

  constructor(
    private readonly policy: string,
    private readonly config: ConfigSource,
    private readonly report: ReportViolation,
    private readonly mode: "resource" | "stack",
  ) {}

  private head(t: Target, where?: Where): string {
    const c = where?.container;
    return `${describe(t)}${c ? `, ${roleLabel(c)} "${c.name}"` : ""}`;
  }

  violation(t: Target | undefined, text: string, where?: Where): void {
    if (!t) {
      this.report(text);
      return;
    }
    this.common ??= commonConfig(readConfig(this.config));
    const { exemptions, allowAnnotationExemptions } = this.common;
    const container = where?.container?.name;
    const suffixes: string[] = [];
    for (const [i, e] of exemptions.entries()) {
      if (!matches(e, t, container)) continue;
      if (e.justification.trim().length >= MIN_JUSTIFICATION) return;
      suffixes.push(
        `Exemption #${i + 1} in the pack config matches but is ignored: its justification must be at least ${MIN_JUSTIFICATION} characters.`,
      );
    }
    const annotation = t.annotations[ANNOTATION_PREFIX + this.policy];
    if (annotation !== undefined) {
      if (!allowAnnotationExemptions) {
        suffixes.push(
          `The annotation ${ANNOTATION_PREFIX}${this.policy} on this resource is ignored: this policy only accepts exemptions from the pack config (teams cannot exempt themselves).`,
        );
      } else if (annotation.trim().length >= MIN_JUSTIFICATION) {
        return;
      } else {
        suffixes.push(
          `The annotation ${ANNOTATION_PREFIX}${this.policy} is ignored: its justification must be at least ${MIN_JUSTIFICATION} characters.`,
        );
      }
    }
    const message = [`${this.head(t, where)}: ${text}`, ...suffixes].join(" ");
    this.report(message, this.mode === "stack" ? t.urn : undefined);
  }

  note(t: Target | undefined, text: string, where?: Where): void {
    const message = t ? `${this.head(t, where)}: ${text}` : text;
    const objectReport = this.report as unknown as ObjectReport;
    const urn = this.mode === "stack" ? t?.urn : undefined;
    objectReport(
      urn ? { message, enforcementLevel: "advisory", urn } : { message, enforcementLevel: "advisory" },
    );
  }
}

/** The policy config, or the validation args to read it from lazily (on the first finding). */
type ConfigSource = Rec | { getConfig<T extends object>(): T };

function readConfig(source: ConfigSource): Rec {
  const getConfig: unknown = source.getConfig;
  return typeof getConfig === "function"
    ? (source as { getConfig<T extends object>(): T }).getConfig<Rec>()
    : (source as Rec);
}

export function reporter(
  policy: string,
  config: ConfigSource,
  report: ReportViolation,
  mode: "resource" | "stack",
): Reporter {
  return new PolicyReporter(policy, config, report, mode);
}

/** Redacts a value for messages: never echo a credential, only its shape. */
export function redact(value: string): string {
  return `<redacted, ${value.length} chars>`;
}
