// unique-object-names: prevents two resources from claiming the same Kubernetes object. Under
// `pulumi up` the second create fails with "already exists" halfway through the update (or, with
// server-side apply, both resources silently fight over one object); under `kubectl apply -f dir`
// the second document silently overwrites the first. An object is one API group (not version:
// apps/v1 and apps/v1beta1 Deployments are the same object), kind, namespace (none for
// cluster-scoped kinds; "default" when a namespaced object states none, as in the rest of the pack),
// metadata.name, on one cluster: the resource's provider when the engine gives it.
//
// Not checked: objects without an explicit metadata.name (Pulumi auto-names them uniquely), names or
// namespaces unknown during preview (checked again at `pulumi up`), Pulumi patch resources (`*Patch`,
// which change an existing object on purpose) and the Pulumi components of the Kubernetes provider
// (Helm charts and releases, YAML and Kustomize groups): the objects they render are not resources
// of the stack.

import type { StackValidationPolicy } from "@pulumi/policy";
import { at, isUnknown, str } from "../lib/json";
import { kubeType, meta } from "../lib/k8s";
import { forStack } from "../lib/policy";
import { configSchema } from "../lib/report";
import type { StackObject } from "../lib/stack";

const POLICY = "unique-object-names";

/** Type-token groups of @pulumi/kubernetes components, not Kubernetes API groups. */
const COMPONENT_GROUPS = new Set(["helm.sh", "yaml", "kustomize"]);

/** How many of the other claimants a finding names; the rest are counted. */
const NAMED_CLAIMANTS = 3;

/** `<group> <kind> <namespace>/<name> @<provider>`: one object on one cluster; undefined when not decidable. */
export function objectIdentity(obj: StackObject): string | undefined {
  const t = kubeType(obj.type);
  if (!t || COMPONENT_GROUPS.has(t.group) || t.kind.endsWith("Patch")) return undefined;
  const metadata = at(obj.props, "metadata");
  const name = str(at(metadata, "name"));
  if (!name || isUnknown(at(metadata, "namespace"))) return undefined;
  const ns = obj.target.namespace;
  const provider = obj.resource.provider?.urn ?? "";
  return `${t.group} ${t.kind} ${ns === undefined ? "" : `${ns}/`}${name} @${provider}`;
}

/**
 * How a finding names a resource: its URN (which carries the Pulumi name), and the app it belongs to
 * (`app.kubernetes.io/name`, the catalog service or platform component) when it says.
 */
function claimant(obj: StackObject): string {
  const id = obj.resource.urn || obj.resource.name;
  const app = obj.kind ? meta(obj.kind, obj.props).labels["app.kubernetes.io/name"] : undefined;
  return app ? `${id} of app ${app}` : id;
}

function objectName(obj: StackObject): string {
  const t = kubeType(obj.type);
  const group = t && t.group !== "core" ? ` (API group ${t.group})` : "";
  const ns = obj.target.namespace;
  return `${obj.target.kind} ${ns === undefined ? "" : `${ns}/`}${obj.target.name}${group}`;
}

export const uniqueObjectNames: StackValidationPolicy = {
  name: POLICY,
  description:
    "No two resources name the same Kubernetes object (API group, kind, namespace and name on one cluster).",
  enforcementLevel: "mandatory",
  configSchema: configSchema(),
  validateStack: forStack(POLICY, ({ index, r }) => {
    const claims = new Map<string, StackObject[]>();
    for (const obj of index.objects) {
      const id = objectIdentity(obj);
      if (id === undefined) continue;
      const list = claims.get(id);
      if (list) list.push(obj);
      else claims.set(id, [obj]);
    }
    for (const list of claims.values()) {
      if (list.length < 2) continue;
      // One finding per claimant, so that each is located (file and document offline) and the
      // others are named in it: the first few of them, so that n claimants cost n, not n².
      const named = list.slice(0, NAMED_CLAIMANTS + 1).map(claimant);
      for (const [i, obj] of list.entries()) {
        const shown = named.filter((_, j) => j !== i).slice(0, NAMED_CLAIMANTS);
        const more = list.length - 1 - shown.length;
        const others = more > 0 ? [...shown, `${more} more`] : shown;
        r.violation(
          obj.target,
          `names the same object as ${list.length === 2 ? "another resource" : `${list.length - 1} other resources`} (${others.join(", ")}): ${objectName(obj)} on one cluster, claimed ${list.length} times. Under pulumi up the second create fails with "already exists" halfway through the update; kubectl apply silently overwrites one with the other. Fix: rename one of them (metadata.name; when one belongs to a catalog service, rename the service), or delete the duplicate.`,
        );
      }
    }
  }),
};
