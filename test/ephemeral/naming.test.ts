import { describe, expect, it } from "vitest";
import { UsageError } from "../../stacks/ephemeral/errors";
import {
  commitId,
  ephemeralName,
  isLabelValue,
  labelValue,
  looksEphemeral,
  MAX_NAMESPACE_LENGTH,
  shortStackName,
} from "../../stacks/ephemeral/naming";
import { nonEmpty } from "../helpers/non-empty";

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

describe("ephemeralName", () => {
  it("keeps an id that already is a short DNS label: ci-<id> for stack and namespace", () => {
    expect(ephemeralName("4242")).toEqual({
      id: "4242",
      slug: "4242",
      stack: "ci-4242",
      namespace: "ci-4242",
    });
    expect(ephemeralName("pr-17").stack).toBe("ci-pr-17");
    expect(ephemeralName("  981  ").id).toBe("981");
  });

  it("gives ids that differ only in case or punctuation different names", () => {
    const ids = ["Feature_A", "feature_a", "feature-a", "feature.a", "FEATURE-A", "feature/a"];
    const stacks = ids.map((id) => ephemeralName(id).stack);
    expect(new Set(stacks).size).toBe(ids.length);
    // The canonical one is kept as is; the others carry 8 hex digits of their own hash.
    expect(ephemeralName("feature-a").stack).toBe("ci-feature-a");
    expect(ephemeralName("Feature_A").stack).toMatch(/^ci-feature-a-[0-9a-f]{8}$/);
  });

  it("always yields a DNS-1123 namespace of at most 57 characters, so <namespace>-logs fits 63", () => {
    const samples = [
      "x".repeat(128),
      `${"a".repeat(54)}`,
      `${"a".repeat(55)}`,
      "---",
      "!!!",
      "UPPER",
      "refs/heads/feature/very-long-branch-name-that-goes-on-and-on-and-on-and-on",
      "9".repeat(60),
    ];
    for (const id of nonEmpty(samples)) {
      const n = ephemeralName(id);
      expect(n.namespace, id).toMatch(DNS_LABEL);
      expect(n.namespace.length, id).toBeLessThanOrEqual(MAX_NAMESPACE_LENGTH);
      expect(`${n.namespace}-logs`.length, id).toBeLessThanOrEqual(63);
      expect(n.namespace).toBe(n.stack);
    }
    expect(ephemeralName("a".repeat(54)).slug).toBe("a".repeat(54));
    expect(ephemeralName("a".repeat(55)).slug).toMatch(/^a+-[0-9a-f]{8}$/);
  });

  it("never lets two of 5000 distinct pipeline ids share a stack", () => {
    const seen = new Map<string, string>();
    const ids: string[] = [];
    for (let i = 0; i < 1000; i++) ids.push(String(1_000_000 + i)); // GitLab pipeline ids
    for (let i = 0; i < 1000; i++) ids.push(`pr-${i}`); // per pull request
    for (let i = 0; i < 1000; i++) ids.push(`Feature_${i % 50}/${i}`); // sanitised and hashed
    for (let i = 0; i < 1000; i++) ids.push(`${"long-prefix-".repeat(6)}${i}`); // truncated and hashed
    for (let i = 0; i < 1000; i++) ids.push(`Case${i}`);
    for (const id of nonEmpty(ids)) {
      const { stack } = ephemeralName(id);
      expect(seen.get(stack), `${id} collides with ${seen.get(stack)}`).toBeUndefined();
      seen.set(stack, id);
    }
    expect(seen.size).toBe(5000);
  });

  it("refuses empty, over-long and non-ASCII ids with a UsageError that says why", () => {
    expect(() => ephemeralName("")).toThrow(UsageError);
    expect(() => ephemeralName("   ")).toThrow(/--id is empty/);
    expect(() => ephemeralName("x".repeat(129))).toThrow(/129 characters long: use at most 128/);
    expect(() => ephemeralName("mr 12")).toThrow(/spaces or non-ASCII/);
    expect(() => ephemeralName("café")).toThrow(/spaces or non-ASCII/);
  });
});

describe("labelValue", () => {
  it("turns owners and branch names into Kubernetes label values", () => {
    expect(labelValue("dependabot[bot]")).toBe("dependabot-bot");
    expect(labelValue("feature/Foo--bar")).toBe("feature-Foo-bar");
    expect(labelValue("jane.doe@example.com")).toBe("jane.doe-example.com");
    expect(labelValue("_x_")).toBe("x");
    expect(labelValue("---")).toBeUndefined();
    expect(labelValue("")).toBeUndefined();
  });

  it("cuts at 63 characters and keeps alphanumeric ends", () => {
    const long = labelValue(`${"a".repeat(62)}-b`);
    expect(long).toBe("a".repeat(62));
    for (const input of [`${"x".repeat(70)}`, `ab${"-".repeat(70)}cd`, `${"a.".repeat(40)}`]) {
      const v = labelValue(input);
      expect(v && isLabelValue(v), input).toBe(true);
    }
  });
});

describe("stack name helpers", () => {
  it("recognises the names up creates, never the template stack or other environments", () => {
    expect(looksEphemeral("ci-4242")).toBe(true);
    expect(looksEphemeral("organization/platform/ci-pr-17")).toBe(true);
    expect(looksEphemeral("ci")).toBe(false);
    expect(looksEphemeral("ci-")).toBe(false);
    expect(looksEphemeral("staging")).toBe(false);
    expect(looksEphemeral("prod")).toBe(false);
    expect(looksEphemeral("ci-Upper")).toBe(false);
    expect(shortStackName("acme/platform/ci-1")).toBe("ci-1");
  });

  it("accepts 7 to 64 hex digits as a commit and refuses anything else", () => {
    expect(commitId("ABCDEF1")).toBe("abcdef1");
    expect(commitId("0123456789abcdef0123456789abcdef01234567")).toHaveLength(40);
    expect(() => commitId("main")).toThrow(/is not a commit id/);
    expect(() => commitId("abc")).toThrow(UsageError);
  });
});
