// Kubernetes objects as Pulumi sees them: the type token carries group, version and kind
// (`kubernetes:apps/v1:Deployment`, `kubernetes:core/v1:Pod`), and the props are the object itself.

import { arr, at, isRec, type Rec, recs, str, strMap, strs } from "./json";
import { Recent } from "./recent";

export interface KubeType {
  group: string; // "core" for the legacy group
  version: string;
  kind: string;
}

const tokenCache = new Map<string, KubeType | undefined>();

/** Parses `kubernetes:<group>/<version>:<Kind>`; undefined for any other provider's type. */
export function kubeType(type: string): KubeType | undefined {
  if (tokenCache.has(type)) return tokenCache.get(type);
  let parsed: KubeType | undefined;
  const m = /^kubernetes:([^:/]+)\/([^:/]+):([A-Za-z0-9]+)$/.exec(type);
  if (m?.[1] && m[2] && m[3]) parsed = { group: m[1], version: m[2], kind: m[3] };
  tokenCache.set(type, parsed);
  return parsed;
}

const tokens = new Map<string, string>();

/**
 * The Pulumi type token of a Kubernetes object (`apiVersion` + `kind`). One string per token: a
 * large input has a handful of kinds, and type lookups then compare identical strings.
 */
export function typeToken(apiVersion: string, kind: string): string {
  const key = `${apiVersion} ${kind}`;
  const hit = tokens.get(key);
  if (hit !== undefined) return hit;
  const slash = apiVersion.indexOf("/");
  const group = slash < 0 ? "core" : apiVersion.slice(0, slash);
  const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
  const token = ["kubernetes:", group, "/", version, ":", kind].join("");
  if (tokens.size < 10_000) tokens.set(key, token);
  return token;
}

export const T = {
  namespace: "kubernetes:core/v1:Namespace",
  configMap: "kubernetes:core/v1:ConfigMap",
  secret: "kubernetes:core/v1:Secret",
  service: "kubernetes:core/v1:Service",
  pvc: "kubernetes:core/v1:PersistentVolumeClaim",
  pv: "kubernetes:core/v1:PersistentVolume",
  pdb: "kubernetes:policy/v1:PodDisruptionBudget",
  networkPolicy: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
  scaledObject: "kubernetes:keda.sh/v1alpha1:ScaledObject",
} as const;

const CLUSTER_SCOPED = new Set([
  "Namespace",
  "Node",
  "PersistentVolume",
  "StorageClass",
  "ClusterRole",
  "ClusterRoleBinding",
  "CustomResourceDefinition",
  "PriorityClass",
  "IngressClass",
  "GatewayClass",
  "ValidatingWebhookConfiguration",
  "MutatingWebhookConfiguration",
  "ValidatingAdmissionPolicy",
  "ValidatingAdmissionPolicyBinding",
  "APIService",
  "RuntimeClass",
  "CSIDriver",
  "VolumeAttachment",
  "ClusterIssuer",
  "PodSecurityPolicy",
  "CertificateSigningRequest",
  "CSINode",
  "FlowSchema",
  "PriorityLevelConfiguration",
]);

export function isClusterScoped(kind: string): boolean {
  return CLUSTER_SCOPED.has(kind);
}

export interface Meta {
  name: string | undefined;
  namespace: string | undefined; // "default" for namespaced kinds without one; undefined if cluster-scoped
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

const metaCache = new Recent<Rec, Meta>();
const NO_STRINGS: Record<string, string> = Object.freeze({}) as Record<string, string>;

/** A string map as is when every value is a string (the usual case), else its string entries. */
function stringsOf(v: unknown): Record<string, string> {
  if (!isRec(v)) return NO_STRINGS;
  let keys = 0;
  for (const k in v) {
    if (typeof v[k] !== "string") return strMap(v);
    keys++;
  }
  return keys === 0 ? NO_STRINGS : (v as Record<string, string>);
}

/**
 * Name, namespace, labels and annotations of an object (remembered for the last few). Labels and
 * annotations are the object's own maps when they hold only strings: never mutate them.
 */
export function meta(kind: string, props: Rec): Meta {
  const hit = metaCache.get(props);
  if (hit) return hit;
  const m = props.metadata;
  const ns = str(at(m, "namespace"));
  const out: Meta = {
    name: str(at(m, "name")),
    namespace: isClusterScoped(kind) ? undefined : ns || "default",
    labels: stringsOf(at(m, "labels")),
    annotations: stringsOf(at(m, "annotations")),
  };
  metaCache.set(props, out);
  return out;
}

/** Label selector semantics (matchLabels AND matchExpressions). A missing selector matches nothing. */
export function selectorMatches(selector: unknown, labels: Record<string, string>): boolean {
  if (!isRec(selector)) return false;
  const ml = selector.matchLabels;
  if (isRec(ml)) {
    for (const k in ml) {
      if (typeof ml[k] === "string" && labels[k] !== ml[k]) return false;
    }
  }
  for (const e of recs(selector.matchExpressions)) {
    const key = str(e.key) ?? "";
    const values = strs(e.values);
    const has = Object.hasOwn(labels, key);
    const val = labels[key];
    switch (str(e.operator)) {
      case "In":
        if (!has || val === undefined || !values.includes(val)) return false;
        break;
      case "NotIn":
        if (has && val !== undefined && values.includes(val)) return false;
        break;
      case "Exists":
        if (!has) return false;
        break;
      case "DoesNotExist":
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/** True for `{}` (or a selector with no terms): in a NetworkPolicy or PDB it selects every pod. */
export function isEmptySelector(selector: unknown): boolean {
  if (!isRec(selector)) return false;
  return (
    Object.keys(strMap(selector.matchLabels)).length === 0 && arr(selector.matchExpressions).length === 0
  );
}

/** `int-or-string` percent helpers for PDBs. */
export function intOrPercent(v: unknown): { value: number; percent: boolean } | undefined {
  if (typeof v === "number" && Number.isFinite(v)) return { value: v, percent: false };
  if (typeof v === "string") {
    const m = /^(\d+)%$/.exec(v.trim());
    if (m?.[1]) return { value: Number(m[1]), percent: true };
    if (/^\d+$/.test(v.trim())) return { value: Number(v.trim()), percent: false };
  }
  return undefined;
}
