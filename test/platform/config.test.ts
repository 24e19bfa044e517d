import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseStackConfig } from "../../infra/config/load";
import { readStackFile, SECRET_PLACEHOLDER } from "../../tools/plan/stack-file";
import { baseConfig, plan } from "../helpers/program";

const ROOT = `${__dirname}/../..`;

function withChange(change: (c: Record<string, unknown>) => void): Record<string, unknown> {
  const config = structuredClone(baseConfig());
  change(config);
  return config;
}

// One mistake per case; the message must name the key, say what is wrong, and give the fix.
const invalid: Array<[string, Record<string, unknown>, RegExp]> = [
  [
    "an unknown top-level key",
    withChange((c) => {
      c.replicas = 3;
    }),
    /platform:replicas: unknown key\n {2}fix: remove it or correct its spelling/,
  ],
  [
    "an unknown nested key",
    withChange((c) => {
      c.images = { registry: "r.io/p", tag: "1.0", pulPolicy: "Always" };
    }),
    /platform:images.pulPolicy: unknown key in platform:images/,
  ],
  [
    "a missing profile",
    withChange((c) => {
      delete c.profile;
    }),
    /platform:profile: is required\n {2}fix: use "in-cluster"/,
  ],
  [
    "an unknown profile",
    withChange((c) => {
      c.profile = "aws";
    }),
    /platform:profile: must be one of "in-cluster", "azure" \(got "aws"\)/,
  ],
  [
    "an unknown environment",
    withChange((c) => {
      c.environment = "production";
    }),
    /platform:environment: must be one of "local", "ci", "dev", "staging", "prod"/,
  ],
  [
    "a namespace with capitals",
    withChange((c) => {
      c.namespace = "Platform";
    }),
    /platform:namespace: must be a DNS-1123 label.*\n {2}fix: use a DNS-1123 label such as platform/,
  ],
  [
    "a namespace too long for its logging twin",
    withChange((c) => {
      c.namespace = "a".repeat(60);
    }),
    /platform:namespace: must be at most 57 characters/,
  ],
  [
    "the latest tag",
    withChange((c) => {
      c.images = { registry: "r.io/p", tag: "latest" };
    }),
    /platform:images.tag: is a moving tag.*\(got "latest"\)\n {2}fix: pin a release tag/,
  ],
  [
    "a tag with a colon",
    withChange((c) => {
      c.images = { registry: "r.io/p", tag: "v1:2" };
    }),
    /platform:images.tag: is neither an image tag/,
  ],
  [
    "a truncated digest",
    withChange((c) => {
      c.images = { registry: "r.io/p", tag: "sha256:abc" };
    }),
    /platform:images.tag: is neither an image tag/,
  ],
  [
    "an unquoted numeric tag",
    withChange((c) => {
      c.images = { registry: "r.io/p", tag: 2026.11 };
    }),
    /platform:images.tag: must be a string \(got 2026.11\)\n {2}fix: quote the value/,
  ],
  [
    "a registry with a scheme",
    withChange((c) => {
      c.images = { registry: "https://r.io/p", tag: "1.0" };
    }),
    /platform:images.registry: must be a registry host/,
  ],
  [
    "a replica cap of zero",
    withChange((c) => {
      c.replicaCap = 0;
    }),
    /platform:replicaCap: must be at least 1 \(got 0\)/,
  ],
  [
    "a replica cap as text",
    withChange((c) => {
      c.replicaCap = "two";
    }),
    /platform:replicaCap: must be a number \(got "two"\)/,
  ],
  [
    "replicas out of range for a service",
    withChange((c) => {
      c.services = { pilot: { replicas: { min: 1, max: 99 } } };
    }),
    /platform:services.pilot.replicas.max: must be at most 50 \(got 99\)/,
  ],
  [
    "replica min above max",
    withChange((c) => {
      c.services = { pilot: { replicas: { min: 4, max: 2 } } };
    }),
    /platform:services.pilot.replicas.min: min must not exceed max/,
  ],
  [
    "an override of an unknown service",
    withChange((c) => {
      c.services = { pliot: { logLevel: "debug" } };
    }),
    /platform:services.pliot: "pliot" is not a service of the catalog\n {2}fix: did you mean "pilot"\?/,
  ],
  [
    "an unknown log level",
    withChange((c) => {
      c.logLevel = "verbose";
    }),
    /platform:logLevel: must be one of "debug", "info"/,
  ],
  [
    "an unknown log shipper",
    withChange((c) => {
      c.logging = { shipper: "fluentd" };
    }),
    /platform:logging.shipper: must be one of "alloy", "promtail"/,
  ],
  [
    "a retention below a day",
    withChange((c) => {
      c.logging = { retentionHours: 2 };
    }),
    /platform:logging.retentionHours: must be at least 24/,
  ],
  [
    "a subgraph naming an unknown service",
    withChange((c) => {
      c.only = ["contnet"];
    }),
    /platform:only\[0\]: "contnet" is not a service of the catalog\n {2}fix: did you mean "content"\?/,
  ],
  [
    "an unknown cluster source",
    withChange((c) => {
      c.cluster = { source: "kind" };
    }),
    /platform:cluster.source: .*\n {2}fix: use \{source: context\}/,
  ],
  [
    "a stack reference without organization",
    withChange((c) => {
      c.cluster = { source: "stack-reference", stack: "staging" };
    }),
    /platform:cluster.stack: must be <organization>\/<project>\/<stack>/,
  ],
  [
    "the aks source on the in-cluster profile",
    withChange((c) => {
      c.cluster = { source: "aks" };
    }),
    /platform:cluster.source: "aks" creates a cluster and needs the azure profile/,
  ],
  [
    "a gateway host that is not a domain",
    withChange((c) => {
      c.gateway = { className: "eg", hostname: "localhost" };
    }),
    /platform:gateway.hostname: must be a fully qualified host name/,
  ],
  [
    "a ci stack without its ephemeral section",
    withChange((c) => {
      c.environment = "ci";
    }),
    /platform:ephemeral: is required for ci stacks/,
  ],
  [
    "an ephemeral stack without a quota",
    withChange((c) => {
      c.ephemeral = { pipeline: "1", owner: "me", expiresAt: "2026-12-01T00:00:00Z" };
    }),
    /platform:quota: is required for ephemeral stacks/,
  ],
  [
    "an expiry that is not a date",
    withChange((c) => {
      c.ephemeral = { pipeline: "1", owner: "me", expiresAt: "tomorrow" };
      c.quota = { cpu: "4", memory: "8Gi", pods: 50 };
    }),
    /platform:ephemeral.expiresAt: must be an ISO 8601 date-time/,
  ],
  [
    "a quota memory that is not a quantity",
    withChange((c) => {
      c.quota = { cpu: "4", memory: "8 gigs", pods: 50 };
    }),
    /platform:quota.memory: must be a Kubernetes quantity/,
  ],
  [
    "an azure section on the in-cluster profile",
    withChange((c) => {
      c.azure = { location: "westeurope", nameSuffix: "abc" };
    }),
    /platform:azure: only applies to the azure profile/,
  ],
];

describe("stack config validation", () => {
  it("has at least twenty distinct invalid cases", () => {
    expect(invalid.length).toBeGreaterThanOrEqual(20);
  });

  it.each(invalid)(
    "rejects %s with one message naming the key and the fix, and registers nothing",
    async (_label, config, message) => {
      const planned = await plan(config, { stack: "unit" });
      expect(planned.run.error, "the config was accepted").toBeDefined();
      const text = planned.run.error?.message ?? "";
      expect(text).toMatch(message);
      expect(text.startsWith("stacks/Pulumi.unit.yaml: platform:")).toBe(true);
      expect(text).toContain("\n  fix: ");
      expect(planned.resources).toHaveLength(0);
    },
  );

  it("requires a secret kubeconfig when the cluster source is kubeconfig", async () => {
    const missing = await plan(
      withChange((c) => {
        c.cluster = { source: "kubeconfig" };
      }),
    );
    expect(missing.run.error?.message).toMatch(
      /platform:kubeconfig: cluster.source is kubeconfig but no secret kubeconfig is set/,
    );
    const plain = await plan(
      withChange((c) => {
        c.cluster = { source: "kubeconfig" };
      }),
      { raw: { "platform:kubeconfig": "apiVersion: v1" } },
    );
    expect(plain.run.error?.message).toMatch(/platform:kubeconfig: holds a credential in plain text/);
    expect(plain.resources).toHaveLength(0);
    const secret = await plan(
      withChange((c) => {
        c.cluster = { source: "kubeconfig" };
      }),
      {
        raw: { "platform:kubeconfig": "apiVersion: v1" },
        secretKeys: ["platform:kubeconfig"],
      },
    );
    expect(secret.run.error).toBeUndefined();
  });

  it("fills defaults: warning logs, Alloy, a week of retention", () => {
    const parsed = parseStackConfig(
      {
        profile: "in-cluster",
        environment: "local",
        namespace: "p",
        images: { registry: "r.io/p", tag: "1.0.0" },
      },
      "stacks/Pulumi.x.yaml",
    );
    expect(parsed.logLevel).toBe("warning");
    expect(parsed.logging).toEqual({ shipper: "alloy", retentionHours: 168 });
    expect(parsed.cluster).toEqual({ source: "context" });
  });
});

describe("stack files", () => {
  // The committed stack files: a running `npm run test:e2e` adds a temporary, git-ignored
  // stacks/Pulumi.e2e-<run>.yaml (and the ephemeral CLI Pulumi.ci-<id>.yaml) that are not ours.
  const stacks = readdirSync(`${ROOT}/stacks`)
    .filter((f) => /^Pulumi\.[^.]+\.yaml$/.test(f))
    .map((f) => f.replace(/^Pulumi\.|\.yaml$/g, ""))
    .filter((name) => !/^e2e-|^ci-/.test(name));

  it("include local, ci, dev, staging and prod", () => {
    expect(stacks.sort()).toEqual(["ci", "dev", "local", "prod", "staging"]);
  });

  it.each(stacks)("stacks/Pulumi.%s.yaml validates against the schema", (stack) => {
    const file = readStackFile(ROOT, stack);
    const values = Object.fromEntries(
      Object.entries(file.config)
        .filter(([k]) => k.startsWith("platform:") && k !== "platform:kubeconfig")
        .map(([k, v]) => [
          k.slice("platform:".length),
          /^[[{]|^\d+(\.\d+)?$|^(true|false)$/.test(v) ? JSON.parse(v) : v,
        ]),
    );
    expect(() => parseStackConfig(values, file.path)).not.toThrow();
  });

  it("stands in a placeholder for encrypted values and keeps them secret", () => {
    const file = readStackFile(`${__dirname}/fixtures`, "encrypted");
    expect(file.config["platform:kubeconfig"]).toBe(SECRET_PLACEHOLDER);
    expect(file.secretKeys).toEqual(["platform:kubeconfig"]);
    expect(file.undecrypted).toEqual(["platform:kubeconfig"]);
  });
});
