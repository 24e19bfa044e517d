// Stack policies see of each Kubernetes object only the fields policies/lib/stack-fields.ts declares
// (the offline runner keeps nothing else of a resource once its resource policies have run). A stack
// policy that reads a field the declaration drops would decide on missing data: here every fixture
// of every policy, and the plans of the local and prod stacks, run through the pack twice, once with every
// field and once with the declared fields only, and the two reports must be the same.

import { readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { policies } from "../../policies/checks";
import { STACK_FIELDS, stackFields } from "../../policies/lib/stack-fields";
import { type AnalyzedResource, type AnalyzeOptions, analyze } from "../../policies/runner/analyze";
import { loadPackConfig } from "../../policies/runner/config";
import { toAnalyzed } from "../../tools/plan/policy-gate";
import { runProgram } from "../../tools/plan/run";
import { readStackFile } from "../../tools/plan/stack-file";
import { nonEmpty } from "../helpers/non-empty";
import { FIXTURES, loadFixture } from "./harness";

const ROOT = join(__dirname, "..", "..");
const stackPolicies = policies.filter((p) => "validateStack" in p).map((p) => p.name);

/** The same run with every field and with the declared fields only. */
function bothViews(resources: AnalyzedResource[], options: AnalyzeOptions) {
  return {
    full: analyze(resources, { ...options, fullStackView: true }),
    compact: analyze(resources, { ...options, fullStackView: false }),
  };
}

// deploy-window and ephemeral-stack-hygiene read the clock: both runs must see the same minute.
beforeAll(() => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(new Date("2026-12-02T10:30:00Z"));
});
afterAll(() => {
  vi.useRealTimers();
});

const fixtures = readdirSync(FIXTURES, { withFileTypes: true })
  .filter((d) => d.isDirectory() && !d.name.startsWith("_"))
  .flatMap((d) =>
    readdirSync(join(FIXTURES, d.name))
      .filter((f) => /\.ya?ml$/.test(f))
      .map((f) => join(FIXTURES, d.name, f)),
  )
  .sort();

describe("stack policies on the declared fields only", () => {
  it("has stack policies and fixtures to compare", () => {
    nonEmpty(stackPolicies, "the pack's stack policies");
    nonEmpty(fixtures, "the policy fixtures");
  });

  const found = new Set<string>();
  it.each(fixtures.map((f) => [f.slice(FIXTURES.length + 1)]))("%s: same report", (name) => {
    const f = loadFixture(join(FIXTURES, name));
    const { full, compact } = bothViews(f.resources, {
      config: f.config,
      stackTags: f.stackTags,
      preview: f.preview,
    });
    expect(compact).toEqual(full);
    for (const v of full.violations) if (stackPolicies.includes(v.policy)) found.add(v.policy);
  });

  it("compared a finding of every stack policy (the comparison is not vacuous)", () => {
    expect([...found].sort()).toEqual([...stackPolicies].sort());
  });

  // Whole stacks: local (in-cluster backing services, the log pipeline) and prod (Azure resources,
  // Helm releases, property dependencies), with their pack config and without it.
  it.each(["local", "prod"])(
    "the %s stack's plan: same report",
    async (stack) => {
      const file = readStackFile(ROOT, stack);
      const run = await runProgram({ stack, config: file.config, secretKeys: file.secretKeys });
      if (run.error) throw run.error;
      const resources = nonEmpty(toAnalyzed(run.resources), `the ${stack} stack's plan`);
      for (const config of [loadPackConfig(stack), undefined]) {
        const { full, compact } = bothViews(resources, {
          config,
          stackTags: { "platform:environment": "prod" },
        });
        expect(compact).toEqual(full);
      }
    },
    120_000,
  );
});

describe("stackFields", () => {
  const deployment = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", namespace: "shop", labels: { app: "web" }, uid: "1" },
    spec: {
      selector: { matchLabels: { app: "web" } },
      replicas: 2,
      template: {
        metadata: { labels: { app: "web" }, annotations: { a: "b" } },
        spec: {
          securityContext: { runAsNonRoot: true },
          containers: [
            {
              env: [{ name: "A", value: "1" }],
              name: "php",
              image: "shop:1",
              resources: { limits: { memory: "1Gi" } },
              readinessProbe: { httpGet: { path: "/" } },
            },
            "not a container",
          ],
        },
      },
    },
  };

  it("keeps the declared fields in the object's own order, values shared, the rest dropped", () => {
    const view = stackFields("kubernetes:apps/v1:Deployment", deployment);
    expect(view).toEqual({
      metadata: { name: "web", namespace: "shop", labels: { app: "web" } },
      spec: {
        replicas: 2,
        template: {
          metadata: { labels: { app: "web" } },
          spec: {
            containers: [
              { env: [{ name: "A", value: "1" }], name: "php", image: "shop:1" },
              "not a container",
            ],
          },
        },
      },
    });
    const container = (view as typeof deployment).spec.template.spec.containers[0] as { env: unknown };
    expect(Object.keys(container)).toEqual(["env", "name", "image"]);
    expect(container.env).toBe((deployment.spec.template.spec.containers[0] as { env: unknown }).env);
  });

  it("keeps a resource that is not a Kubernetes object whole", () => {
    const props = { apiServerAccessProfile: { enablePrivateCluster: true }, anything: [1] };
    expect(stackFields("azure-native:containerservice:ManagedCluster", props)).toBe(props);
  });

  it("keeps only the common fields of a kind it does not list, and never a prototype's key", () => {
    const props = JSON.parse(
      '{"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":"w","__proto__":{"x":1},"constructor":1},"spec":{"toString":"x"}}',
    ) as Record<string, unknown>;
    const view = stackFields("kubernetes:example.com/v1:Widget", props);
    expect(view).toEqual({ metadata: { name: "w" } });
    expect(Object.getPrototypeOf(view.metadata)).toBe(Object.prototype);
    expect(STACK_FIELDS.Widget).toBeUndefined();
  });
});
