// unique-object-names beyond what a fixture can state: the provider a resource uses (two clusters in
// one stack may each hold an object of one name), names and namespaces unknown during preview, and
// the resources a Kubernetes type token names that are not objects of the cluster (patches, Helm).
// Over every fixture of the pack it fires on its own failure fixtures only.

import { describe, expect, it } from "vitest";
import { SENTINELS } from "../../policies/lib/json";
import { type AnalyzedResource, analyze } from "../../policies/runner/analyze";
import { nonEmpty } from "../helpers/non-empty";
import { expectExactOnFixtures } from "./precision";

const POLICY = "unique-object-names";
const STACK = "urn:pulumi:dev::platform::";
const UNKNOWN_STRING = nonEmpty(
  [...SENTINELS].filter((s) => s.startsWith("04da6b54")),
  "the unknown-string sentinel",
)[0];

function provider(name: string): AnalyzedResource {
  return {
    type: "pulumi:providers:kubernetes",
    name,
    urn: `${STACK}pulumi:providers:kubernetes::${name}`,
    props: {},
  };
}

function configMap(
  name: string,
  metadata: Record<string, unknown>,
  providerName?: string,
  type = "kubernetes:core/v1:ConfigMap",
): AnalyzedResource {
  return {
    type,
    name,
    urn: `${STACK}${type}::${name}`,
    props: { apiVersion: "v1", kind: "ConfigMap", metadata, data: { A: "1" } },
    ...(providerName
      ? { provider: `${STACK}pulumi:providers:kubernetes::${providerName}::id-${providerName}` }
      : {}),
  };
}

function findings(resources: AnalyzedResource[], preview = true) {
  return analyze(resources, { preview }).violations.filter((v) => v.policy === POLICY);
}

describe(POLICY, () => {
  it("fires on its failure fixtures and on no other fixture", () => {
    expectExactOnFixtures(POLICY);
  });

  const shopEnv = { name: "shop-env", namespace: "shop" };

  it("reports each claimant once, naming the other, as mandatory", () => {
    const found = findings([configMap("a", shopEnv), configMap("b", shopEnv)]);
    expect(found.map((v) => v.resource.urn).sort()).toEqual([
      `${STACK}kubernetes:core/v1:ConfigMap::a`,
      `${STACK}kubernetes:core/v1:ConfigMap::b`,
    ]);
    for (const v of found) {
      expect(v.enforcementLevel).toBe("mandatory");
      const other = v.resource.urn?.endsWith("::a") ? "::b" : "::a";
      expect(v.message).toContain(`kubernetes:core/v1:ConfigMap${other}`);
      expect(v.message).toContain("ConfigMap shop/shop-env");
    }
  });

  it("keys on the provider: one name on two clusters is two objects, on one cluster one", () => {
    const providers = [provider("east"), provider("west")];
    expect(
      findings([...providers, configMap("a", shopEnv, "east"), configMap("b", shopEnv, "west")]),
    ).toEqual([]);
    expect(
      findings([...providers, configMap("a", shopEnv, "east"), configMap("b", shopEnv, "east")]),
    ).toHaveLength(2);
  });

  it("skips names and namespaces unknown during preview, and decides at pulumi up", () => {
    const unknownName = { name: UNKNOWN_STRING, namespace: "shop" };
    const unknownNs = { name: "shop-env", namespace: UNKNOWN_STRING };
    expect(findings([configMap("a", unknownName), configMap("b", unknownName)])).toEqual([]);
    expect(findings([configMap("a", unknownNs), configMap("b", unknownNs)])).toEqual([]);
    expect(findings([configMap("a", shopEnv), configMap("b", unknownNs)])).toEqual([]);
    expect(findings([configMap("a", shopEnv), configMap("b", shopEnv)], false)).toHaveLength(2);
  });

  it("ignores patches and the provider's components (Helm, YAML groups)", () => {
    for (const type of [
      "kubernetes:core/v1:ConfigMapPatch",
      "kubernetes:helm.sh/v3:Release",
      "kubernetes:helm.sh/v4:Chart",
      "kubernetes:yaml/v2:ConfigGroup",
    ])
      expect(findings([configMap("a", shopEnv), configMap("b", shopEnv, undefined, type)]), type).toEqual([]);
  });

  it("ignores objects without metadata.name (auto-named)", () => {
    const unnamed = { namespace: "shop" };
    expect(findings([configMap("a", unnamed), configMap("b", unnamed)])).toEqual([]);
  });

  it("names a few of many claimants and counts the rest, so n claimants cost n findings of bounded size", () => {
    const n = 1000;
    const all = findings(Array.from({ length: n }, (_, i) => configMap(`c${i}`, shopEnv)));
    expect(all).toHaveLength(n);
    for (const v of all) {
      expect(v.message).toContain(`${n - 1} other resources`);
      expect(v.message).toMatch(new RegExp(`, ${n - 4} more\\): `));
      expect(v.message.match(/ConfigMap::c\d+/g)).toHaveLength(3);
      // A finding never names its own resource among the others.
      const named = v.message.slice(v.message.indexOf("(") + 1, v.message.indexOf("): ")).split(", ");
      expect(named).not.toContain(v.resource.urn);
    }
    const [pair] = [findings([configMap("a", shopEnv), configMap("b", shopEnv)])];
    expect(pair?.[0]?.message).toContain("as another resource (");
    expect(pair?.[0]?.message).not.toContain("more");
  });
});
