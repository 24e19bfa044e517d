// The offline analyzer against the semantics of @pulumi/policy's server.js: the unknown-value
// proxy, notApplicable, isType/asType, enforcement levels from config, getConfig, stack resources,
// the object form of reportViolation; plus the pack's own exemption and configuration rules.

import { readdirSync } from "node:fs";
import { join } from "node:path";
import type {
  PolicyPackConfig,
  PolicyResource,
  ResourceValidationPolicy,
  StackValidationPolicy,
} from "@pulumi/policy";
import { validateResourceOfType } from "@pulumi/policy";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { policies as packPolicies } from "../../policies/checks";
import {
  Analysis,
  type AnalyzedResource,
  analyze,
  MAX_FINDINGS_PER_RESOURCE,
  PolicyRuntimeError,
  UNKNOWN_VALUES,
} from "../../policies/runner/analyze";
import {
  loadPackConfig,
  mergePackConfigs,
  PolicyConfigError,
  resolvePackConfig,
} from "../../policies/runner/config";
import { MAX_LISTED_FINDINGS } from "../../policies/runner/listed-findings";
import { nonEmpty } from "../helpers/non-empty";
import { FIXTURES, loadFixture } from "./harness";

const DEPLOYMENT = "kubernetes:apps/v1:Deployment";

function deployment(
  name: string,
  spec: Record<string, unknown> = {},
  metadata: Record<string, unknown> = {},
): AnalyzedResource {
  return {
    type: DEPLOYMENT,
    name,
    urn: `urn:pulumi:test::platform::${DEPLOYMENT}::${name}`,
    props: {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name, namespace: "shop", ...metadata },
      spec: {
        selector: { matchLabels: { app: name } },
        template: {
          metadata: { labels: { app: name } },
          spec: { containers: [{ name: "web", image: "registry.example.com/x:1.0.0" }], ...spec },
        },
      },
    },
  };
}

function azure(
  type: string,
  name: string,
  props: Record<string, unknown>,
  opts?: AnalyzedResource["opts"],
): AnalyzedResource {
  return { type, name, urn: `urn:pulumi:test::platform::${type}::${name}`, props, ...(opts ? { opts } : {}) };
}

const byPolicy = (report: ReturnType<typeof analyze>, policy: string) =>
  report.violations.filter((v) => v.policy === policy);

describe("unknown values (unknownCheckingProxy)", () => {
  const readsReplicas: ResourceValidationPolicy = {
    name: "reads-replicas",
    description: "reads spec.replicas",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
      if (args.props.spec.replicas > 1) report("many");
    },
  };

  it("turns a read of an unknown value into an advisory 'can't run during preview'", () => {
    const r = deployment("content");
    (r.props.spec as Record<string, unknown>).replicas = UNKNOWN_VALUES.number;
    const report = analyze([r], { policies: [readsReplicas] });
    expect(report.violations).toEqual([
      {
        policy: "reads-replicas",
        enforcementLevel: "advisory",
        resource: { type: DEPLOYMENT, name: "content", urn: r.urn, kind: "Deployment", namespace: "shop" },
        message:
          "can't run policy 'reads-replicas' from policy pack 'platform@v0.1.0' during preview: number value at .spec.replicas can't be known during preview",
      },
    ]);
  });

  it("does the same for stack policies, attributed to the stack", () => {
    const stackReads: StackValidationPolicy = {
      name: "stack-reads",
      description: "reads every image",
      enforcementLevel: "mandatory",
      validateStack: (args) => {
        for (const r of args.resources) void r.props.spec.template.spec.containers[0].image;
      },
    };
    const r = deployment("content");
    const containers = (
      ((r.props.spec as Record<string, unknown>).template as Record<string, unknown>).spec as Record<
        string,
        unknown
      >
    ).containers as Array<Record<string, unknown>>;
    (containers[0] as Record<string, unknown>).image = UNKNOWN_VALUES.string;
    const [v] = analyze([r], { policies: [stackReads] }).violations;
    expect(v?.enforcementLevel).toBe("advisory");
    expect(v?.resource.kind).toBe("Stack");
    expect(v?.message).toContain(
      "string value at .spec.template.spec.containers.0.image can't be known during preview",
    );
  });

  it("lets the pack's own checks read around unknowns field by field", () => {
    const r = deployment("content", {
      containers: [
        {
          name: "web",
          image: UNKNOWN_VALUES.string,
          env: [{ name: "DB_PASSWORD", value: UNKNOWN_VALUES.string }],
        },
      ],
    });
    const report = analyze([r]);
    expect(report.violations.filter((v) => v.message.includes("can't run"))).toEqual([]);
    expect(byPolicy(report, "image-pinned")).toEqual([]);
    expect(byPolicy(report, "no-plaintext-secrets")).toEqual([]);
    // Everything that is known is still checked.
    expect(byPolicy(report, "run-as-non-root")).toHaveLength(1);
  });
});

describe("notApplicable, isType and asType", () => {
  // Resource classes as the SDKs generate them: a constructor carrying a static `__pulumiType`, or
  // (component classes) only a static `isInstance`.
  const FakeDeployment = Object.assign(function FakeDeployment() {}, { __pulumiType: DEPLOYMENT });
  const ByIsInstance = Object.assign(function ByIsInstance() {}, {
    isInstance: (o: unknown): boolean =>
      typeof o === "object" && o !== null && Reflect.get(o, "__pulumiType") === "kubernetes:core/v1:Service",
  });

  it("records notApplicable() without reporting a violation", () => {
    const p: ResourceValidationPolicy = {
      name: "never",
      description: "never applies",
      enforcementLevel: "mandatory",
      validateResource: (args) => args.notApplicable("nothing to see"),
    };
    const r = deployment("content");
    const report = analyze([r], { policies: [p] });
    expect(report.violations).toEqual([]);
    expect(report.notApplicable).toEqual([{ policy: "never", urn: r.urn, reason: "nothing to see" }]);
  });

  it("compares __pulumiType, falls back to isInstance, and asType returns the (proxied) props", () => {
    const seen: Array<[string, boolean, boolean, unknown]> = [];
    const p: ResourceValidationPolicy = {
      name: "types",
      description: "records isType/asType",
      validateResource: (args) => {
        const asDeployment = args.asType(FakeDeployment as never) as
          | { metadata?: { name?: string } }
          | undefined;
        seen.push([
          args.type,
          args.isType(FakeDeployment as never),
          args.isType(ByIsInstance as never),
          asDeployment?.metadata?.name,
        ]);
      },
    };
    const svc: AnalyzedResource = {
      type: "kubernetes:core/v1:Service",
      name: "svc",
      urn: "urn:svc",
      props: { metadata: { name: "svc" } },
    };
    analyze([deployment("content"), svc], { policies: [p] });
    expect(seen).toEqual([
      [DEPLOYMENT, true, false, "content"],
      ["kubernetes:core/v1:Service", false, true, undefined],
    ]);
  });

  it("skips a typed validateResource for other types, as the SDK's validateResourceOfType does", () => {
    let calls = 0;
    const p: ResourceValidationPolicy = {
      name: "typed",
      description: "only deployments",
      enforcementLevel: "mandatory",
      validateResource: validateResourceOfType(FakeDeployment as never, (_props, _args, report) => {
        calls++;
        report("deployment seen");
      }),
    };
    const svc: AnalyzedResource = {
      type: "kubernetes:core/v1:Service",
      name: "svc",
      urn: "urn:svc",
      props: {},
    };
    const report = analyze([deployment("content"), svc], { policies: [p] });
    expect(calls).toBe(1);
    expect(report.violations.map((v) => v.resource.name)).toEqual(["content"]);
    expect(report.notApplicable).toEqual([
      { policy: "typed", urn: "urn:svc", reason: `Policy only applies to resources of type '${DEPLOYMENT}'` },
    ]);
  });
});

describe("enforcement levels and config (as server.js and the Pulumi CLI resolve them)", () => {
  const reporting = (
    name: string,
    level?: ResourceValidationPolicy["enforcementLevel"],
  ): ResourceValidationPolicy => ({
    name,
    description: `${name} always reports`,
    ...(level ? { enforcementLevel: level } : {}),
    configSchema: { properties: { threshold: { type: "integer", default: 3 } } },
    validateResource: (args, report) => report(JSON.stringify(args.getConfig())),
  });
  const run = (config?: Record<string, unknown>) =>
    analyze([deployment("content")], {
      policies: [reporting("plain"), reporting("strict", "mandatory")],
      config: config as never,
    });
  const levels = (config?: Record<string, unknown>) =>
    Object.fromEntries(run(config).violations.map((v) => [v.policy, v.enforcementLevel]));

  it("uses the policy's own level, else the pack's (advisory)", () => {
    expect(levels()).toEqual({ plain: "advisory", strict: "mandatory" });
  });

  it("lets the pack config override per policy, as a string or an object", () => {
    expect(levels({ plain: "mandatory", strict: { enforcementLevel: "advisory" } })).toEqual({
      plain: "mandatory",
      strict: "advisory",
    });
  });

  it("applies 'all' first and per-policy entries over it", () => {
    expect(levels({ all: "advisory" })).toEqual({ plain: "advisory", strict: "advisory" });
    expect(levels({ all: "mandatory", plain: "advisory" })).toEqual({
      plain: "advisory",
      strict: "mandatory",
    });
  });

  it("skips disabled policies and reports remediate as mandatory", () => {
    const report = run({ plain: "disabled", strict: "remediate" });
    expect(report.policiesRun).toBe(1);
    expect(report.violations.map((v) => [v.policy, v.enforcementLevel])).toEqual([["strict", "mandatory"]]);
  });

  it("hands getConfig the schema defaults merged with the config, without enforcementLevel", () => {
    const report = run({ strict: { enforcementLevel: "mandatory", threshold: 5 } });
    expect(report.violations.find((v) => v.policy === "strict")?.message).toBe('{"threshold":5}');
    expect(report.violations.find((v) => v.policy === "plain")?.message).toBe('{"threshold":3}');
  });

  it("refuses invalid config like the CLI: bad levels and schema violations", () => {
    expect(() => run({ plain: "sometimes" })).toThrow(PolicyConfigError);
    expect(() => run({ plain: { threshold: "many" } })).toThrow(
      /plain: threshold: Invalid type. Expected: integer, given: string/,
    );
  });

  it("warns about config for policies the pack does not have", () => {
    const resolved = resolvePackConfig(packPolicies, "advisory", { "no-host-path": "advisory" });
    expect(resolved.errors).toEqual([]);
    expect(resolved.warnings).toEqual(['config for "no-host-path" matches no policy of the pack (ignored)']);
  });
});

describe("stack policies", () => {
  it("resolves parent, dependencies and propertyDependencies to resources and attributes findings by URN", () => {
    const seen: Record<string, unknown> = {};
    const p: StackValidationPolicy = {
      name: "graph",
      description: "inspects the graph",
      enforcementLevel: "mandatory",
      validateStack: (args, report) => {
        const byName = new Map(args.resources.map((r) => [r.name, r] as [string, PolicyResource]));
        const dep = byName.get("content");
        seen.parent = dep?.parent?.name;
        seen.dependencies = dep?.dependencies.map((d) => d.name);
        seen.propertyDependencies = dep?.propertyDependencies.spec?.map((d) => d.name);
        seen.opts = dep?.opts;
        report("about content", dep?.urn);
        report("about the stack");
      },
    };
    const cm: AnalyzedResource = {
      type: "kubernetes:core/v1:ConfigMap",
      name: "env",
      urn: "urn:cm",
      props: { metadata: { name: "env", namespace: "shop" } },
    };
    const parent: AnalyzedResource = {
      type: "platform:service:Service",
      name: "svc",
      urn: "urn:component",
      props: {},
    };
    const d = {
      ...deployment("content"),
      parent: "urn:component",
      dependencies: ["urn:cm", "urn:missing"],
      propertyDependencies: { spec: ["urn:cm"] },
      opts: { protect: false, retainOnDelete: true, deleteBeforeReplace: true },
    };
    const report = analyze([cm, parent, d], { policies: [p] });
    expect(seen).toEqual({
      parent: "svc",
      dependencies: ["env"],
      propertyDependencies: ["env"],
      opts: {
        protect: false,
        ignoreChanges: [],
        aliases: [],
        customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
        additionalSecretOutputs: [],
        deleteBeforeReplace: true,
        parent: "urn:component",
      },
    });
    expect(
      report.violations.map((v) => [v.resource.kind, v.resource.name, v.resource.namespace, v.message]),
    ).toEqual([
      ["Deployment", "content", "shop", "about content"],
      ["Stack", "stack", undefined, "about the stack"],
    ]);
  });

  it("honours the object form of reportViolation (an advisory note from a mandatory policy)", () => {
    const p: StackValidationPolicy = {
      name: "notes",
      description: "notes",
      enforcementLevel: "mandatory",
      validateStack: (_args, report) => {
        (report as unknown as (d: object) => void)({
          message: "just so you know",
          enforcementLevel: "advisory",
        });
      },
    };
    expect(analyze([], { policies: [p] }).violations).toEqual([
      {
        policy: "notes",
        enforcementLevel: "advisory",
        resource: { type: "pulumi:pulumi:Stack", name: "stack", urn: "", kind: "Stack" },
        message: "just so you know",
      },
    ]);
  });
});

describe("run environment", () => {
  const previous = process.env.PLATFORM_DEPLOY_WINDOW_OVERRIDE;
  afterEach(() => {
    if (previous === undefined) delete process.env.PLATFORM_DEPLOY_WINDOW_OVERRIDE;
    else process.env.PLATFORM_DEPLOY_WINDOW_OVERRIDE = previous;
  });

  it("sets PULUMI_NODEJS_DRY_RUN during the run (true unless preview: false) and restores it", () => {
    const seen: Array<string | undefined> = [];
    const p: StackValidationPolicy = {
      name: "env",
      description: "env",
      validateStack: () => void seen.push(process.env.PULUMI_NODEJS_DRY_RUN),
    };
    const before = process.env.PULUMI_NODEJS_DRY_RUN;
    analyze([], { policies: [p] });
    analyze([], { policies: [p], preview: false });
    expect(seen).toEqual(["true", "false"]);
    expect(process.env.PULUMI_NODEJS_DRY_RUN).toBe(before);
  });

  it("fails the run on a policy that throws, as a real preview does", () => {
    const p: ResourceValidationPolicy = {
      name: "broken",
      description: "throws",
      validateResource: () => {
        throw new Error("boom");
      },
    };
    expect(() => analyze([deployment("content")], { policies: [p] })).toThrow(PolicyRuntimeError);
  });

  it("unwraps secret values before the policies see them", () => {
    const r = deployment("content", {
      containers: [
        {
          name: "web",
          image: "registry.example.com/x:1.0.0",
          env: [
            {
              name: "DB_PASSWORD",
              value: {
                "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
                value: "hunter2hunter2",
              },
            },
          ],
        },
      ],
    });
    const [v] = byPolicy(analyze([r]), "no-plaintext-secrets");
    expect(v?.message).toContain("DB_PASSWORD holds a literal credential (<redacted, 14 chars>)");
    expect(v?.message).not.toContain("hunter2");
  });

  it("accepts a deploy-window override from PLATFORM_DEPLOY_WINDOW_OVERRIDE", () => {
    const config = { "deploy-window": { now: "2026-11-28T22:00:00Z" } };
    const ns: AnalyzedResource = {
      type: "kubernetes:core/v1:Namespace",
      name: "shop",
      urn: "urn:ns",
      props: { metadata: { name: "shop" } },
    };
    const options = { config, stackTags: { "platform:environment": "prod" }, preview: false };
    expect(byPolicy(analyze([ns], options), "deploy-window").map((v) => v.enforcementLevel)).toEqual([
      "mandatory",
    ]);
    process.env.PLATFORM_DEPLOY_WINDOW_OVERRIDE = "INC-42: rollback of a broken release, approved by on-call";
    const [v] = byPolicy(analyze([ns], options), "deploy-window");
    expect(v?.enforcementLevel).toBe("advisory");
    expect(v?.message).toContain(
      'allowed by override: "INC-42: rollback of a broken release, approved by on-call"',
    );
  });
});

describe("a run fed resource by resource (Analysis)", () => {
  // The fixtures of every policy as one stack: resource and stack findings of many kinds.
  const resources = readdirSync(FIXTURES, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !d.name.startsWith("_"))
    .flatMap((d) =>
      readdirSync(join(FIXTURES, d.name))
        .filter((f) => /\.ya?ml$/.test(f))
        .flatMap((f) => loadFixture(join(FIXTURES, d.name, f)).resources),
    )
    .map((r, i) => ({ ...r, urn: `${r.urn}#${i}` }));

  // deploy-window and ephemeral-stack-hygiene read the clock: every run must see the same minute.
  beforeAll(() => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date("2026-12-02T10:30:00Z"));
  });
  afterAll(() => {
    vi.useRealTimers();
  });

  it("reports what the same resources give at once, whatever the pieces", () => {
    const options = { stackTags: { "platform:environment": "prod" }, preview: false };
    const whole = analyze(nonEmpty(resources, "the fixtures' resources"), options);
    expect(whole.violations.length).toBeGreaterThan(0);
    for (const size of [1, 7, 64]) {
      const analysis = new Analysis(options);
      for (let i = 0; i < resources.length; i += size) analysis.add(resources.slice(i, i + size));
      expect(analysis.finish()).toEqual(whole);
    }
  });

  it("refuses resources once finished, and a second finish", () => {
    const analysis = new Analysis({ policies: [] });
    analysis.add([deployment("content")]);
    expect(analysis.finish().resourcesChecked).toBe(1);
    expect(() => analysis.add([deployment("search")])).toThrow(/finished/);
    expect(() => analysis.finish()).toThrow(/finished/);
  });

  it("checks the pack config before any resource", () => {
    const config = JSON.parse(`{"image-pinned": "sometimes"}`) as PolicyPackConfig;
    expect(() => new Analysis({ config })).toThrow(PolicyConfigError);
  });
});

describe("exemptions", () => {
  const rootDaemonSet = (namespace: string, annotations?: Record<string, string>): AnalyzedResource => ({
    type: "kubernetes:apps/v1:DaemonSet",
    name: `${namespace}/log-shipper`,
    urn: `urn:ds:${namespace}`,
    props: {
      metadata: { name: "log-shipper", namespace, ...(annotations ? { annotations } : {}) },
      spec: {
        template: {
          spec: {
            securityContext: { runAsUser: 0 },
            containers: [
              { name: "alloy", image: "grafana/alloy:v1.9.1" },
              { name: "sidecar", image: "busybox:1.37.0" },
            ],
          },
        },
      },
    },
  });
  const runAsRoot = (
    config: Record<string, unknown>,
    namespace = "shop-logs",
    annotations?: Record<string, string>,
  ) =>
    byPolicy(
      analyze([rootDaemonSet(namespace, annotations)], { config: config as never }),
      "run-as-non-root",
    ).map((v) => v.message);
  const justification = "reads node log files owned by root (0640)";

  it("exempts only the named container, in namespaces matching the glob", () => {
    const config = {
      "run-as-non-root": {
        exemptions: [
          { kind: "DaemonSet", namespace: "*-logs", name: "log-shipper", container: "alloy", justification },
        ],
      },
    };
    expect(runAsRoot(config)).toEqual([expect.stringContaining('container "sidecar"')]);
    expect(runAsRoot(config, "shop")).toHaveLength(2);
  });

  it("refuses an exemption without a written justification (the config is invalid)", () => {
    expect(() =>
      runAsRoot({ "run-as-non-root": { exemptions: [{ kind: "DaemonSet", name: "log-shipper" }] } }),
    ).toThrow(/run-as-non-root: exemptions\.0: justification is required/);
    expect(() =>
      runAsRoot({ "run-as-non-root": { exemptions: [{ name: "log-shipper", justification: "because" }] } }),
    ).toThrow(/exemptions\.0\.justification: String length must be greater than or equal to 20/);
    expect(() =>
      runAsRoot({
        "run-as-non-root": { exemptions: [{ name: "log-shipper", contianer: "alloy", justification }] },
      }),
    ).toThrow(/Additional property contianer is not allowed/);
  });

  it("ignores annotation exemptions unless the policy allows them, and says so", () => {
    const annotation = {
      "policies.platform.internal/exempt.run-as-non-root": "we need root to read node logs, sorry",
    };
    const ignored = runAsRoot({}, "shop-logs", annotation);
    expect(ignored).toHaveLength(2);
    expect(ignored[0]).toContain(
      "The annotation policies.platform.internal/exempt.run-as-non-root on this resource is ignored",
    );
    expect(
      runAsRoot({ "run-as-non-root": { allowAnnotationExemptions: true } }, "shop-logs", annotation),
    ).toEqual([]);
    const short = runAsRoot({ "run-as-non-root": { allowAnnotationExemptions: true } }, "shop-logs", {
      "policies.platform.internal/exempt.run-as-non-root": "trust me",
    });
    expect(short[0]).toContain("its justification must be at least 20 characters");
  });

  it("matches non-Kubernetes resources by type and Pulumi name", () => {
    const registry = azure("azure-native:containerregistry:Registry", "legacy", { adminUserEnabled: true });
    const other = azure("azure-native:containerregistry:Registry", "platform", { adminUserEnabled: true });
    const config = {
      "acr-no-admin": {
        exemptions: [
          {
            type: "azure-native:containerregistry:Registry",
            name: "legacy",
            justification: "read by a vendor appliance until 2027-01",
          },
        ],
      },
    };
    const report = analyze([registry, other], { config: config as never });
    expect(byPolicy(report, "acr-no-admin").map((v) => v.resource.name)).toEqual(["platform"]);
  });

  it("merges stack configs over default.json, concatenating exemptions", () => {
    const merged = mergePackConfigs(loadPackConfig(), {
      "no-host-paths": {
        exemptions: [
          { kind: "DaemonSet", name: "node-exporter", justification: "reads /proc and /sys of the node" },
        ],
      },
      "readonly-root-fs": "disabled",
    });
    const hostPaths = merged["no-host-paths"] as { exemptions: unknown[] };
    expect(hostPaths.exemptions).toHaveLength(3);
    expect(merged["readonly-root-fs"]).toEqual({ enforcementLevel: "disabled" });
    expect(resolvePackConfig(packPolicies, "advisory", merged).errors).toEqual([]);
  });
});

describe("many resources", () => {
  // Speed is measured by `npm run bench` (the pack over the platform, in process), not here.
  it("checks ~500 resources, each once, with the same report on every run", () => {
    const resources: AnalyzedResource[] = [];
    for (let i = 0; i < 125; i++) {
      resources.push(deployment(`svc${i}`, {}, { labels: { app: `svc${i}` } }));
      resources.push({
        type: "kubernetes:core/v1:Service",
        name: `svc${i}`,
        urn: `urn:svc${i}`,
        props: { metadata: { name: `svc${i}`, namespace: "shop" } },
      });
      resources.push({
        type: "kubernetes:core/v1:ConfigMap",
        name: `cm${i}`,
        urn: `urn:cm${i}`,
        props: {
          metadata: { name: `cm${i}`, namespace: "shop" },
          data: { APP_ENV: "prod", [`APP__SVC${i}__HOST`]: `svc${i}.shop.svc.cluster.local` },
        },
      });
      resources.push(
        azure("azure-native:storage:StorageAccount", `sa${i}`, { allowBlobPublicAccess: false }),
      );
    }
    const first = analyze(resources);
    const report = analyze(resources);
    expect(report.resourcesChecked).toBe(500);
    expect(report.violations.length).toBeGreaterThan(0);
    expect(report).toEqual(first);
  });
});

describe("findings one object multiplies", () => {
  it("lists at most MAX_FINDINGS_PER_RESOURCE per policy and resource, and counts the rest in one finding", () => {
    const extra = 7;
    const containers = Array.from({ length: MAX_FINDINGS_PER_RESOURCE + extra }, (_, i) => ({
      name: `c${i}`,
      image: "nginx",
      securityContext: { privileged: true },
    }));
    const pod = (name: string): AnalyzedResource => ({
      type: "kubernetes:core/v1:Pod",
      name: `shop/${name}`,
      urn: `urn:${name}`,
      props: { metadata: { name, namespace: "shop" }, spec: { containers } },
    });
    const report = analyze([pod("many"), pod("again")]);
    for (const name of ["many", "again"]) {
      const mine = report.violations.filter((v) => v.policy === "no-privileged" && v.resource.name === name);
      expect(mine).toHaveLength(MAX_FINDINGS_PER_RESOURCE + 1);
      expect(mine.every((v) => v.enforcementLevel === "mandatory")).toBe(true);
      expect(mine.at(-1)?.message).toBe(
        `Pod shop/${name}: ${extra} more no-privileged findings not listed (at most ${MAX_FINDINGS_PER_RESOURCE} are listed per policy and resource).`,
      );
    }
  });
});

describe("findings many objects multiply", () => {
  it("lists at most MAX_LISTED_FINDINGS, then one finding per policy counting the rest, levels kept", () => {
    const pods = Math.ceil(MAX_LISTED_FINDINGS / 4);
    const resources: AnalyzedResource[] = Array.from({ length: pods }, (_, i) => ({
      type: "kubernetes:core/v1:Pod",
      name: `shop/p${i}`,
      urn: `urn:p${i}`,
      props: {
        metadata: { name: `p${i}`, namespace: "shop" },
        spec: { containers: [{ name: "c", image: "nginx" }] },
      },
    }));
    const report = analyze(resources);
    const counted = report.violations.slice(MAX_LISTED_FINDINGS);
    expect(counted.length).toBeGreaterThan(0);
    for (const v of nonEmpty(counted)) {
      const m =
        /^Stack: ([\d,]+) more (\S+) findings not listed \(a report lists at most [\d,]+ findings\)\.$/.exec(
          v.message,
        );
      expect(m?.[2]).toBe(v.policy);
      const listed = report.violations
        .slice(0, MAX_LISTED_FINDINGS)
        .filter((x) => x.policy === v.policy && x.enforcementLevel === v.enforcementLevel).length;
      // Every pod gives one finding of each of these policies: listed and counted add up to all.
      if (v.policy === "resources-set" || v.policy === "image-pinned")
        expect(listed + Number((m?.[1] ?? "").replaceAll(",", ""))).toBe(pods);
    }
    expect(counted.some((v) => v.enforcementLevel === "mandatory")).toBe(true);
  });
});
