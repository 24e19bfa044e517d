// The offline analyzer: runs the pack's policies over a list of resources the way
// @pulumi/policy's server.js does under `pulumi preview --policy-pack`, without the engine or gRPC.
//
// Emulated from server.js / policy.js (1.21.0):
// - enforcement level = pack config for that policy, else the policy's own, else the pack's
//   (advisory); `disabled` is skipped; `remediate` is reported as mandatory;
// - the pack config is resolved and validated as the Pulumi CLI does (see ./config.ts);
// - resource policies get `{type, props, urn, name, opts, provider?, stackTags, isType, asType,
//   getConfig, notApplicable}` with props wrapped in `unknownCheckingProxy`; a validateResource
//   carrying `__pulumiType` is skipped (not applicable) for other types; an array of validations runs
//   in order;
// - stack policies get every resource with props (proxied), opts, parent, dependencies and
//   propertyDependencies resolved to resource objects (missing URNs dropped), isType/asType (methods
//   here: call them on the resource, not detached);
// - isType/asType compare the class's `__pulumiType` (or call its `isInstance`), like isTypeOf;
// - reading an unknown value throws UnknownValueError: reported as an advisory "can't run ... during
//   preview" for that policy; notApplicable() is recorded, not reported; any other exception fails
//   the run (the real preview fails too);
// - reportViolation(message, urn) and its object form `{message, enforcementLevel, urn}`;
// - PULUMI_NODEJS_DRY_RUN is "true" during the run unless `preview: false` (the CLI sets it for the
//   pack process: offline analysis is a preview).
// Differences: policies must be synchronous (every policy of this pack is); props are copied through
// JSON (as they would be through the protobuf Struct) and frozen; the stack resource list is built
// once per run instead of once per policy, and a stack resource's `props` is a new proxy of the same
// object on each read; stack policies see of each Kubernetes object only the
// fields the pack's stack policies read (policies/lib/stack-fields.ts, checked by a test against
// every field); `message` omits the policy description the CLI prints above it. Cost is linear in
// the resources, with little kept per resource (large inputs run here): resources can be added as
// they are read (`Analysis.add`), each through the resource policies at once, so a resource's whole
// props live only while its own policies run; the validation args of a resource are one object for
// every policy (each validation gets its own `getConfig`), resources without options share one
// frozen options object, empty dependency lists are one frozen array, and a resource is described
// for the report only when a policy reports it.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import type {
  EnforcementLevel,
  Policies,
  PolicyPackConfig,
  PolicyProviderResource,
  PolicyResource,
  PolicyResourceOptions,
  ResourceValidation,
  ResourceValidationArgs,
  StackValidation,
  StackValidationArgs,
} from "@pulumi/policy";
// The proxy, its unknown-value sentinels and the secret markers are Pulumi internals: they live in
// tools/pulumi-internals, with the test that fails when an upgrade changes them.
import { policyProxy as proxy } from "../../tools/pulumi-internals/policy-proxy";
import {
  SECRET_SIG_KEY as SECRET_SIG,
  SECRET_SIG as SECRET_VALUE,
} from "../../tools/pulumi-internals/secret-wire";
import { packEnforcementLevel, policies as packPolicies } from "../checks";
import { targetOf } from "../lib/report";
import { stackFields } from "../lib/stack-fields";
import { PolicyConfigError, resolvePackConfig } from "./config";
import { ListedFindings } from "./listed-findings";
import { bounded } from "./printable";

export interface AnalyzedResource {
  type: string;
  name: string;
  urn: string;
  props: Record<string, unknown>;
  parent?: string;
  dependencies?: string[];
  propertyDependencies?: Record<string, string[]>;
  opts?: {
    protect?: boolean;
    retainOnDelete?: boolean;
    ignoreChanges?: string[];
    deleteBeforeReplace?: boolean;
    [k: string]: unknown;
  };
  provider?: string;
}

export interface AnalyzeOptions {
  config?: PolicyPackConfig;
  stackTags?: Record<string, string>;
  /** Sets PULUMI_NODEJS_DRY_RUN for the run; default true (an offline analysis is a preview). */
  preview?: boolean;
  /** Policies to run instead of the pack's (runner tests). */
  policies?: Policies;
  /** Pack-wide fallback level; default the pack's (advisory). */
  packEnforcementLevel?: EnforcementLevel;
  /**
   * Hand stack policies every field of each resource instead of the fields they read
   * (policies/lib/stack-fields.ts); the test that compares both sets it.
   * @default false
   */
  fullStackView?: boolean;
}

export interface Violation {
  policy: string;
  enforcementLevel: "mandatory" | "advisory";
  resource: { type: string; name: string; urn: string; kind?: string; namespace?: string };
  message: string;
}

export interface NotApplicable {
  policy: string;
  urn?: string;
  reason?: string;
}

export interface PolicyReport {
  violations: Violation[];
  policiesRun: number;
  resourcesChecked: number;
  /** notApplicable() calls (informational, as the engine receives them). */
  notApplicable?: NotApplicable[];
}

/** Sentinels for unknown values, to build props as a preview would see them. */
export { UNKNOWN_VALUES } from "../../tools/pulumi-internals/policy-proxy";

const PACK_VERSION: string = (() => {
  try {
    const pkg: unknown = JSON.parse(readFileSync(join(__dirname, "..", "package.json"), "utf8"));
    const v = typeof pkg === "object" && pkg !== null ? Reflect.get(pkg, "version") : undefined;
    return typeof v === "string" ? v : "0.0.0";
  } catch {
    return "0.0.0";
  }
})();

const PACK_NAME = "platform";

class NotApplicableError extends Error {
  constructor(readonly reason?: string) {
    super(reason ?? "Policy does not apply");
  }
}

function throwNotApplicable(reason?: string): never {
  throw new NotApplicableError(reason);
}

function getPulumiType(obj: unknown): string | undefined {
  const t =
    typeof obj === "function" || (typeof obj === "object" && obj !== null)
      ? Reflect.get(obj, "__pulumiType")
      : undefined;
  return typeof t === "string" && t.length > 0 ? t : undefined;
}

/** policy.js `isResourcePolicy` / `isStackPolicy`. */
function resourceValidations(p: unknown): ResourceValidation[] | undefined {
  const v: unknown = typeof p === "object" && p !== null ? Reflect.get(p, "validateResource") : undefined;
  if (typeof v === "function") return [v as ResourceValidation];
  if (Array.isArray(v) && v.every((f) => typeof f === "function")) return v as ResourceValidation[];
  return undefined;
}

function stackValidation(p: unknown): StackValidation | undefined {
  const v: unknown = typeof p === "object" && p !== null ? Reflect.get(p, "validateStack") : undefined;
  return typeof v === "function" ? (v as StackValidation) : undefined;
}

/** server.js `isTypeOf`. */
function isTypeOf(type: string, resourceClass: unknown): boolean {
  const pulumiType = getPulumiType(resourceClass);
  if (pulumiType) return type === pulumiType;
  const isInstance =
    typeof resourceClass === "function" ? Reflect.get(resourceClass, "isInstance") : undefined;
  return typeof isInstance === "function" && isInstance({ __pulumiType: type }) === true;
}

/**
 * server.js `asType`. isType and asType are bound per resource rather than written as closures:
 * under tsx every closure literal also gets its name defined, a cost per resource and validation.
 */
function asTypeOf(type: string, props: unknown, resourceClass: unknown): unknown {
  return isTypeOf(type, resourceClass) ? props : undefined;
}

function freezeMap(map: Map<string, string>): ReadonlyMap<string, string> {
  return Object.freeze({
    entries: map.entries.bind(map),
    forEach: map.forEach.bind(map),
    get: map.get.bind(map),
    has: map.has.bind(map),
    keys: map.keys.bind(map),
    size: map.size,
    values: map.values.bind(map),
    [Symbol.iterator]: map[Symbol.iterator].bind(map),
  }) as ReadonlyMap<string, string>;
}

// ---- resource preparation ------------------------------------------------------------------------

/** True when `value` is already what the analyzer would deserialize (plain JSON, no secrets). */
function isWireClean(value: unknown): boolean {
  if (value === null || value === undefined || typeof value === "string" || typeof value === "boolean")
    return true;
  if (typeof value === "number") return Number.isFinite(value);
  if (Array.isArray(value)) {
    for (const v of value) if (v === undefined || !isWireClean(v)) return false;
    return true;
  }
  if (typeof value !== "object") return false;
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return false;
  const obj = value as Record<string, unknown>;
  if (obj[SECRET_SIG] !== undefined) return false;
  for (const k in obj) if (!isWireClean(obj[k])) return false;
  return true;
}

/**
 * The props as the analyzer would deserialize them: JSON values, secrets unwrapped. Plain JSON is
 * used as is (no copy); anything else is copied and frozen.
 */
function wire(value: unknown): unknown {
  return isWireClean(value) ? value : copyWire(value);
}

function copyWire(value: unknown): unknown {
  if (value === null || typeof value === "string" || typeof value === "boolean") return value;
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  if (Array.isArray(value)) return Object.freeze(value.map((v) => (v === undefined ? null : copyWire(v))));
  if (typeof value === "object") {
    const obj = value as Record<string, unknown>;
    if (obj[SECRET_SIG] === SECRET_VALUE) return copyWire(obj.value);
    if (value instanceof Date) return value.toISOString();
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(obj)) {
      if (v !== undefined && typeof v !== "function") out[k] = copyWire(v);
    }
    return Object.freeze(out);
  }
  return null;
}

function seconds(v: unknown): number {
  return typeof v === "number" ? v : 0;
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
}

/** getResourceOptions() of a resource registered without options. */
const NO_OPTIONS: PolicyResourceOptions = Object.freeze({
  protect: false,
  ignoreChanges: Object.freeze([]) as unknown as string[],
  aliases: Object.freeze([]) as unknown as string[],
  customTimeouts: Object.freeze({ createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 }),
  additionalSecretOutputs: Object.freeze([]) as unknown as string[],
});

function options(res: AnalyzedResource): PolicyResourceOptions {
  if (res.opts === undefined && res.parent === undefined) return NO_OPTIONS;
  const o = res.opts ?? {};
  const timeouts =
    typeof o.customTimeouts === "object" && o.customTimeouts !== null
      ? (o.customTimeouts as Record<string, unknown>)
      : {};
  // getResourceOptions(): exactly the fields the analyzer receives (retainOnDelete is not one of them).
  const opts: PolicyResourceOptions = {
    protect: o.protect === true,
    ignoreChanges: strings(o.ignoreChanges),
    aliases: strings(o.aliases),
    customTimeouts: {
      createSeconds: seconds(timeouts.createSeconds ?? timeouts.create),
      updateSeconds: seconds(timeouts.updateSeconds ?? timeouts.update),
      deleteSeconds: seconds(timeouts.deleteSeconds ?? timeouts.delete),
    },
    additionalSecretOutputs: strings(o.additionalSecretOutputs),
  };
  if (typeof o.deleteBeforeReplace === "boolean") opts.deleteBeforeReplace = o.deleteBeforeReplace;
  const parent = res.parent ?? (typeof o.parent === "string" ? o.parent : undefined);
  if (parent) opts.parent = parent;
  return opts;
}

const STACK_RESOURCE: Violation["resource"] = {
  type: "pulumi:pulumi:Stack",
  name: "stack",
  urn: "",
  kind: "Stack",
};

function level(l: string | undefined, fallback: "mandatory" | "advisory"): "mandatory" | "advisory" {
  if (l === "advisory" || l === "mandatory") return l;
  if (l === "remediate") return "mandatory";
  return fallback;
}

function isThenable(v: unknown): boolean {
  return typeof v === "object" && v !== null && typeof Reflect.get(v, "then") === "function";
}

export class PolicyRuntimeError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "PolicyRuntimeError";
  }
}

// ---- the run -------------------------------------------------------------------------------------

/** The props as the analyzer deserializes them (an object, possibly empty). */
function wireProps(res: AnalyzedResource): Record<string, unknown> {
  const props = wire(res.props ?? {});
  return (typeof props === "object" && props !== null ? props : {}) as Record<string, unknown>;
}

/**
 * What a run keeps of a resource once its resource policies have run: what the stack policies see of
 * it (its props reduced to the fields they read, policies/lib/stack-fields.ts) and how a finding
 * names it. One class, one shape: a large run keeps one per resource.
 */
class KeptResource {
  readonly type: string;
  readonly urn: string;
  readonly name: string;
  readonly dependencies: string[] | undefined;
  readonly propertyDependencies: Record<string, string[]> | undefined;
  readonly provider: string | undefined;
  /** Described on its first finding, shared by the others. */
  description: Violation["resource"] | undefined = undefined;

  constructor(
    res: AnalyzedResource,
    readonly props: Record<string, unknown>,
    readonly opts: PolicyResourceOptions,
  ) {
    this.type = res.type;
    this.urn = res.urn;
    this.name = res.name;
    this.dependencies = res.dependencies;
    this.propertyDependencies = res.propertyDependencies;
    this.provider = res.provider;
  }

  /**
   * The finding's resource, from `props`: the whole props while its resource policies run (their
   * target is cached already), the kept ones after (they hold what it reads: metadata).
   */
  describe(props: Record<string, unknown>): Violation["resource"] {
    if (this.description) return this.description;
    const t = targetOf(this.type, this.name, props, this.urn);
    const out: Violation["resource"] = {
      type: this.type,
      name: bounded(t.name),
      urn: this.urn,
      kind: t.kind === undefined ? undefined : bounded(t.kind),
    };
    if (t.namespace !== undefined) out.namespace = bounded(t.namespace);
    this.description = out;
    return out;
  }
}

/**
 * @default 50 findings of one policy on one resource are listed; the rest are one finding that counts
 * them. Real resources stay far below (a finding per container, a few containers a pod).
 */
export const MAX_FINDINGS_PER_RESOURCE = 50;

const NO_CONFIG = (() => ({})) as ResourceValidationArgs["getConfig"];

/** Where reporters put findings: the run's list, and the resources it knows by URN. */
interface Findings {
  record(
    policy: string,
    lvl: "mandatory" | "advisory",
    about: KeptResource | undefined,
    message: string,
  ): void;
  resource(urn: string): KeptResource | undefined;
}

/**
 * server.js makeReportViolationFun: a message string, or the object form with its own level. One per
 * policy; `own` is the resource under analysis (resource policies) or undefined (stack policies,
 * which name a resource by URN).
 */
class Reporter {
  own: KeptResource | undefined;
  constructor(
    private readonly findings: Findings,
    readonly policy: string,
    readonly description: string,
    readonly base: "mandatory" | "advisory",
  ) {}
  report(message: unknown, urn?: string): void {
    let text: string;
    let lvl = this.base;
    let target = urn;
    if (typeof message === "object" && message !== null) {
      const info = message as Record<string, unknown>;
      text =
        typeof info.message === "string" && info.message
          ? info.message
          : typeof info.description === "string"
            ? info.description
            : this.description;
      lvl = level(typeof info.enforcementLevel === "string" ? info.enforcementLevel : undefined, this.base);
      target = typeof info.urn === "string" ? info.urn : undefined;
    } else {
      text = typeof message === "string" && message ? message : this.description;
    }
    const about = this.own ?? (target ? this.findings.resource(target) : undefined);
    this.findings.record(this.policy, lvl, about, text);
  }
}

interface ResourcePolicyRun {
  name: string;
  validations: ResourceValidation[];
  reporter: Reporter;
  report: (message: unknown, urn?: string) => void;
  onlyType: string | undefined;
  getConfig: ResourceValidationArgs["getConfig"];
}

/**
 * One run of the pack, resource by resource as the engine calls Analyze, then the stack policies
 * once (AnalyzeStack). `add` runs the resource policies on each resource as it comes and keeps only
 * what the stack policies read of it, so a caller that streams its resources (the CLI, from YAML)
 * never holds all of them whole. A provider must be added before the resources that use it (the
 * engine registers it first); parents and dependencies may come in any order.
 */
export class Analysis {
  private readonly stackTags: ReadonlyMap<string, string>;
  private readonly active: Array<{ p: Policies[number]; level: EnforcementLevel }>;
  private readonly settings: ReturnType<typeof resolvePackConfig>["policies"];
  private readonly resourcePolicies: ResourcePolicyRun[];
  private readonly kept: KeptResource[] = [];
  private readonly byUrn = new Map<string, KeptResource>();
  private readonly types = new Set<string>();
  private readonly violations = new ListedFindings();
  private readonly notApplicable: NotApplicable[] = [];
  private readonly packRef = `'${PACK_NAME}@v${PACK_VERSION}'`;
  private finished = false;
  /** Findings per policy and resource so far (of the resource being checked, or the stack phase). */
  private readonly findingCounts = new Map<string, number>();
  private readonly unlisted = new Map<
    string,
    { policy: string; lvl: "mandatory" | "advisory"; about: KeptResource | undefined; count: number }
  >();
  /** The resource whose resource policies are running, with its whole props. */
  private checking: KeptResource | undefined;
  private checkingProps: Record<string, unknown> = {};
  /** What the reporters of this run record into. */
  private readonly findings: Findings = {
    record: (policy, lvl, about, message) => this.record(policy, lvl, about, message),
    resource: (urn) => this.byUrn.get(urn),
  };

  /** Throws PolicyConfigError when the pack config is invalid (before any resource). */
  constructor(private readonly options: AnalyzeOptions = {}) {
    const policies = options.policies ?? packPolicies;
    const packLevel = options.packEnforcementLevel ?? packEnforcementLevel;
    const resolved = resolvePackConfig(policies, packLevel, options.config);
    if (resolved.errors.length > 0) throw new PolicyConfigError(resolved.errors);
    this.settings = resolved.policies;
    this.stackTags = freezeMap(new Map(Object.entries(options.stackTags ?? {})));
    this.active = policies
      .map((p) => ({
        p,
        level: this.settings.get(p.name)?.enforcementLevel || p.enforcementLevel || packLevel,
      }))
      .filter((x) => x.level !== "disabled");
    this.resourcePolicies = this.active.flatMap(({ p, level: l }) => {
      const validations = resourceValidations(p);
      if (!validations) return [];
      const reporter = new Reporter(this.findings, p.name, p.description, level(l, "advisory"));
      return [
        {
          name: p.name,
          validations,
          reporter,
          report: reporter.report.bind(reporter),
          onlyType: validations.length === 1 ? getPulumiType(validations[0]) : undefined,
          getConfig: this.getConfigFor(p.name) as ResourceValidationArgs["getConfig"],
        },
      ];
    });
  }

  /** Runs the resource policies on each resource, in order, and keeps what the stack policies read. */
  add(resources: Iterable<AnalyzedResource>): void {
    if (this.finished) throw new Error("the analysis is finished");
    this.whileRunning(() => {
      for (const res of resources) this.check(res);
    });
  }

  /** Runs the stack policies over every resource added; the report of the whole run. */
  finish(): PolicyReport {
    if (this.finished) throw new Error("the analysis is finished");
    this.finished = true;
    this.whileRunning(() => this.checkStack());
    this.flushUnlisted();
    // What was kept of the resources is not needed for the report: let it go before it is written.
    const resourcesChecked = this.kept.length;
    this.kept.length = 0;
    this.byUrn.clear();
    return {
      violations: this.violations.all(),
      policiesRun: this.active.length,
      resourcesChecked,
      notApplicable: this.notApplicable,
    };
  }

  private record(
    policy: string,
    lvl: "mandatory" | "advisory",
    about: KeptResource | undefined,
    message: string,
  ): void {
    // One object can multiply findings without bound (a pod of 200,000 containers): past
    // MAX_FINDINGS_PER_RESOURCE of one policy on one resource, the rest are counted, not listed.
    const key = `${policy}\u0000${about?.urn ?? ""}`;
    const count = (this.findingCounts.get(key) ?? 0) + 1;
    this.findingCounts.set(key, count);
    if (count > MAX_FINDINGS_PER_RESOURCE) {
      this.unlisted.set(key, { policy, lvl, about, count: count - MAX_FINDINGS_PER_RESOURCE });
      return;
    }
    this.list(policy, lvl, about, message);
  }

  /** Lists the counted findings of the last resource (or the stack phase) as one finding each. */
  private flushUnlisted(): void {
    for (const { policy, lvl, about, count } of this.unlisted.values()) {
      const d = about?.describe(about === this.checking ? this.checkingProps : about.props);
      const on = d ? `${d.kind} ${d.namespace ? `${d.namespace}/` : ""}${d.name}` : "Stack";
      this.list(
        policy,
        lvl,
        about,
        `${on}: ${count.toLocaleString("en-US")} more ${policy} findings not listed (at most ${MAX_FINDINGS_PER_RESOURCE} are listed per policy and resource).`,
      );
    }
    this.unlisted.clear();
    this.findingCounts.clear();
  }

  private list(
    policy: string,
    lvl: "mandatory" | "advisory",
    about: KeptResource | undefined,
    message: string,
  ): void {
    this.violations.add(policy, lvl, () => {
      let resource = STACK_RESOURCE;
      if (about) resource = about.describe(about === this.checking ? this.checkingProps : about.props);
      // Messages echo the input (names, values): bounded, so a huge name is not copied into every finding.
      return { policy, enforcementLevel: lvl, resource, message: bounded(message) };
    });
  }

  /** PULUMI_NODEJS_DRY_RUN is "true" while policies run, unless `preview: false`. */
  private whileRunning(fn: () => void): void {
    const previous = process.env.PULUMI_NODEJS_DRY_RUN;
    process.env.PULUMI_NODEJS_DRY_RUN = this.options.preview === false ? "false" : "true";
    try {
      fn();
    } finally {
      if (previous === undefined) delete process.env.PULUMI_NODEJS_DRY_RUN;
      else process.env.PULUMI_NODEJS_DRY_RUN = previous;
    }
  }

  /** getConfig returns a fresh copy of the properties on every call, as server.js does. */
  private getConfigFor(name: string) {
    return () => ({ ...(this.settings.get(name)?.properties ?? {}) });
  }

  /** One resource through every resource policy (the engine calls Analyze once per resource). */
  private check(res: AnalyzedResource): void {
    const type = res.type;
    const full = wireProps(res);
    const stackProps = this.options.fullStackView ? full : stackFields(type, full);
    const r = new KeptResource(res, stackProps, options(res));
    this.kept.push(r);
    this.byUrn.set(r.urn, r);
    this.types.add(type);
    const provider = this.providerOf(r);
    // server.js deserializes and proxies the props for each validation; the proxy is stateless, so
    // one per resource is equivalent. One args object per resource too: policies run one at a time,
    // synchronously, and each gets its own getConfig.
    const props = proxy.unknownCheckingProxy(full);
    const args: ResourceValidationArgs = {
      type,
      props,
      urn: r.urn,
      name: r.name,
      opts: r.opts,
      stackTags: this.stackTags,
      isType: isTypeOf.bind(undefined, type),
      asType: asTypeOf.bind(undefined, type, props) as ResourceValidationArgs["asType"],
      getConfig: NO_CONFIG,
      notApplicable: throwNotApplicable,
    };
    if (provider) args.provider = provider;
    this.checking = r;
    this.checkingProps = full;
    for (const { name, validations, reporter, report, onlyType, getConfig } of this.resourcePolicies) {
      if (onlyType && onlyType !== type) {
        this.notApplicable.push({
          policy: name,
          urn: r.urn,
          reason: `Policy only applies to resources of type '${onlyType}'`,
        });
        continue;
      }
      reporter.own = r;
      args.getConfig = getConfig;
      for (const validation of validations) {
        try {
          const ret = validation(args, report);
          if (isThenable(ret))
            throw new Error("returned a Promise: the offline runner only runs synchronous policies");
        } catch (e) {
          if (e instanceof proxy.UnknownValueError) {
            this.record(
              name,
              "advisory",
              r,
              `can't run policy '${name}' from policy pack ${this.packRef} during preview: ${e.message}`,
            );
          } else if (e instanceof NotApplicableError) {
            this.notApplicable.push({ policy: name, urn: r.urn, reason: e.reason });
          } else {
            throw new PolicyRuntimeError(
              `Error validating resource with policy '${name}' from policy pack ${this.packRef} (${r.urn}): ${(e as Error).message}`,
              { cause: e },
            );
          }
        }
      }
      reporter.own = undefined;
    }
    this.flushUnlisted();
    this.checking = undefined;
    this.checkingProps = {};
  }

  /** Stack policies, once each over every resource. */
  private checkStack(): void {
    const stackPolicies = this.active.flatMap(({ p, level: l }) => {
      const v = stackValidation(p);
      return v ? [{ p, validate: v, reported: level(l, "advisory") }] : [];
    });
    if (stackPolicies.length === 0) return;
    const stackResources = this.stackResources();
    for (const { p, validate, reported } of stackPolicies) {
      const onlyType = getPulumiType(validate);
      if (onlyType && !this.types.has(onlyType)) {
        this.notApplicable.push({
          policy: p.name,
          reason: `Policy only applies to resources of type '${onlyType}'`,
        });
        continue;
      }
      const args: StackValidationArgs = {
        resources: stackResources,
        getConfig: this.getConfigFor(p.name) as StackValidationArgs["getConfig"],
        stackTags: this.stackTags,
        notApplicable: throwNotApplicable,
      };
      try {
        const reporter = new Reporter(this.findings, p.name, p.description, reported);
        const ret = validate(args, reporter.report.bind(reporter));
        if (isThenable(ret))
          throw new Error("returned a Promise: the offline runner only runs synchronous policies");
      } catch (e) {
        if (e instanceof proxy.UnknownValueError) {
          this.record(
            p.name,
            "advisory",
            undefined,
            `can't run policy '${p.name}' from policy pack ${this.packRef} during preview: ${e.message}`,
          );
        } else if (e instanceof NotApplicableError) {
          this.notApplicable.push({ policy: p.name, reason: e.reason });
        } else {
          throw new PolicyRuntimeError(
            `Error validating stack with policy '${p.name}' from policy pack ${this.packRef}: ${(e as Error).message}`,
            { cause: e },
          );
        }
      }
    }
  }

  private providerOf(r: KeptResource): PolicyProviderResource | undefined {
    const ref = r.provider;
    if (!ref) return undefined;
    const p = this.byUrn.get(ref) ?? this.byUrn.get(ref.slice(0, ref.lastIndexOf("::")));
    if (!p) return undefined;
    return { type: p.type, props: proxy.unknownCheckingProxy(p.props), urn: p.urn, name: p.name };
  }

  /** Every resource as stack policies see it, parents and dependencies resolved. */
  private stackResources(): PolicyResource[] {
    const objects = new Map<string, PolicyResource>();
    const list = this.kept.map((r) => {
      const resource = new StackResource(r.type, r.props, r.urn, r.name, r.opts) as unknown as PolicyResource;
      const provider = this.providerOf(r);
      if (provider) resource.provider = provider;
      objects.set(r.urn, resource);
      return resource;
    });
    const resolve = (urns: string[] | undefined) =>
      urns === undefined || urns.length === 0
        ? NO_RESOURCES
        : urns.map((u) => objects.get(u)).filter((x): x is PolicyResource => x !== undefined);
    this.kept.forEach((r, i) => {
      const resource = list[i];
      if (!resource) return;
      const parentUrn = r.opts.parent;
      const parent = parentUrn ? objects.get(parentUrn) : undefined;
      if (parent) resource.parent = parent;
      resource.dependencies = resolve(r.dependencies);
      const byProperty = r.propertyDependencies;
      if (byProperty && Object.keys(byProperty).length > 0) {
        const deps: Record<string, PolicyResource[]> = {};
        for (const k in byProperty) deps[k] = resolve(byProperty[k]);
        resource.propertyDependencies = deps;
      }
    });
    return list;
  }
}

/** Runs the pack over a list of resources (resource policies on each, then the stack policies). */
export function analyze(resources: readonly AnalyzedResource[], options: AnalyzeOptions = {}): PolicyReport {
  const analysis = new Analysis(options);
  analysis.add(resources);
  return analysis.finish();
}

const NO_RESOURCES = Object.freeze([]) as unknown as PolicyResource[];
const NO_PROPERTY_DEPENDENCIES: Record<string, PolicyResource[]> = Object.freeze({});

/**
 * A resource as stack policies see it. isType/asType are methods (server.js makes them closures of
 * each resource): one shape for every resource, nothing allocated per resource beyond its fields.
 * `props` wraps the kept props in the unknown-checking proxy when it is read (a proxy per resource
 * held for the whole stack phase would cost about as much as the props themselves); each read gets
 * an equivalent proxy of the same object.
 */
class StackResource {
  declare parent?: PolicyResource;
  declare provider?: PolicyProviderResource;
  dependencies: PolicyResource[] = NO_RESOURCES;
  propertyDependencies: Record<string, PolicyResource[]> = NO_PROPERTY_DEPENDENCIES;

  constructor(
    readonly type: string,
    private readonly raw: Record<string, unknown>,
    readonly urn: string,
    readonly name: string,
    readonly opts: PolicyResourceOptions,
  ) {}

  get props(): Record<string, unknown> {
    return proxy.unknownCheckingProxy(this.raw);
  }

  isType(resourceClass: unknown): boolean {
    return isTypeOf(this.type, resourceClass);
  }

  asType(resourceClass: unknown): unknown {
    return asTypeOf(this.type, this.props, resourceClass);
  }
}
