// Schema errors as findings of the CLI's `kubernetes-schema` check (mandatory: the API server would
// reject the object), each naming the object, its file and document index (`file#3`, as kubeconform
// locates documents) and the fields. Not a pack policy: under Pulumi the Kubernetes provider
// validates objects itself.

import { meta } from "../lib/k8s";
import type { Violation } from "./analyze";
import { loadSchemas, MAX_SCHEMA_ERRORS_SHOWN, schemaErrors } from "./kube-schema";
import type { LoadedObject } from "./kubernetes-yaml";
import { bounded } from "./printable";
import type { RuleInfo } from "./report-formats";

export const SCHEMA_RULE: RuleInfo = {
  name: "kubernetes-schema",
  description: "Every object matches the Kubernetes OpenAPI schema of its apiVersion and kind.",
  enforcementLevel: "mandatory",
};

/** Loads the schemas of a batch of objects' kinds (call before schemaViolation on them). */
export function loadSchemasOf(objects: readonly LoadedObject[]): Promise<void> {
  return loadSchemas(objects.map((o) => o.object));
}

/** The finding of one object that does not match its schema, or undefined (loadSchemasOf first). */
export function schemaViolation(o: LoadedObject): Violation | undefined {
  const { errors } = schemaErrors(o.object);
  if (errors.length === 0) return undefined;
  const kind = String(o.object.kind);
  const m = meta(kind, o.object);
  const name = m.name ?? o.resource.name;
  const shown = errors.slice(0, MAX_SCHEMA_ERRORS_SHOWN).join("; ");
  const more =
    errors.length > MAX_SCHEMA_ERRORS_SHOWN ? ` (and ${errors.length - MAX_SCHEMA_ERRORS_SHOWN} more)` : "";
  return {
    policy: SCHEMA_RULE.name,
    enforcementLevel: "mandatory",
    resource: {
      type: o.resource.type,
      name: bounded(name),
      urn: o.resource.urn,
      kind: bounded(kind),
      ...(m.namespace !== undefined ? { namespace: m.namespace } : {}),
    },
    message: bounded(
      `${kind} ${m.namespace ? `${m.namespace}/` : ""}${name} (${o.source}#${o.document}): does not match the ${String(o.object.apiVersion)} ${kind} schema: ${shown}${more}. Fix: correct the field as \`kubectl explain\` describes it; the API server would reject this object.`,
    ),
  };
}
