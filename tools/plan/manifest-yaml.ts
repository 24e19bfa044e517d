import { Document, isScalar, Scalar, visit } from "yaml";

// Manifests are read by kubectl and Helm with YAML 1.1 rules (sigs.k8s.io/yaml on go-yaml v2):
// there `no`, `on`, `y`, `0755`, `1:30` and `2026-11-29` are not strings. Every string that YAML
// 1.1 or 1.2 would read as anything else is written quoted, so each reader gets the same object.

/**
 * The scalar patterns both schemas resolve implicitly (null, booleans in every 1.1 spelling,
 * integers in every base, sexagesimal, floats, .inf/.nan, timestamps, the merge key `<<`), taken
 * from the YAML library's own schemas rather than restated.
 */
const IMPLICIT: readonly RegExp[] = (["1.1", "1.2"] as const).flatMap((version) =>
  new Document(null, { version }).schema.tags.flatMap((tag) =>
    "test" in tag && tag.test instanceof RegExp && tag.default && tag.tag !== "tag:yaml.org,2002:str"
      ? [tag.test]
      : [],
  ),
);

/** True when a plain (unquoted) `value` would not read back as this string in YAML 1.1 or 1.2. */
export function isAmbiguousPlainScalar(value: string): boolean {
  return IMPLICIT.some((pattern) => pattern.test(value));
}

/** One Kubernetes object as YAML that reads back identically under YAML 1.1 and 1.2. */
export function toManifestYaml(object: unknown): string {
  const document = new Document(object);
  visit(document, {
    Scalar(_key, node) {
      if (isScalar(node) && typeof node.value === "string" && isAmbiguousPlainScalar(node.value))
        node.type = Scalar.QUOTE_DOUBLE;
    },
  });
  return document.toString({ lineWidth: 0 });
}
