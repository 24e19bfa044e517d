import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Cluster } from "./cluster";
import { E2EError, mustRun, onCleanup, type RunOptions, type RunResult, run } from "./proc";
import { ROOT, type Toolchain } from "./toolchain";

// The Pulumi engine of the e2e: the CLI built from Go modules with our Node.js language host beside
// it, a file backend and PULUMI_HOME in the temporary directory, a random passphrase, no update
// checks, no plugin downloads (a missing plugin is an error) and no plugins from PATH: the
// providers are installed into PULUMI_HOME from the built binaries, under the versions the npm
// packages request.

export interface Engine {
  pulumi: string;
  env: NodeJS.ProcessEnv;
  home: string;
  stateDir: string;
  logFile: string;
}

/** Variables of the surrounding shell that must not leak into the e2e's engine. */
const SCRUBBED = [
  "PULUMI_ACCESS_TOKEN",
  "PULUMI_BACKEND_URL",
  "PULUMI_CONFIG_PASSPHRASE_FILE",
  "PULUMI_STACK",
  "PULUMI_HOME",
  "KUBECONFIG",
  "CI_PIPELINE_ID",
  "GITHUB_RUN_ID",
  "CI_COMMIT_REF_SLUG",
  "CI_COMMIT_SHA",
  "GITHUB_SHA",
  "GITHUB_HEAD_REF",
  "GITHUB_REF_NAME",
  "PLATFORM_IMAGE_TAG",
  "PLATFORM_DEPLOY_WINDOW_OVERRIDE",
];

export function requestedPluginVersion(pkg: string): string {
  const manifest = JSON.parse(
    readFileSync(join(ROOT, "node_modules", "@pulumi", pkg, "package.json"), "utf8"),
  ) as { version: string; pulumi?: { version?: string } };
  return manifest.pulumi?.version ?? manifest.version;
}

export async function setupEngine(o: {
  tmp: string;
  toolchain: Toolchain;
  cluster: Cluster;
  passphrase: string;
  logFile: string;
  log: (message: string) => void;
}): Promise<Engine> {
  const home = join(o.tmp, "pulumi-home");
  const stateDir = join(o.tmp, "state");
  mkdirSync(home, { recursive: true });
  mkdirSync(stateDir, { recursive: true });
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of SCRUBBED) delete env[k];
  Object.assign(env, {
    // `pulumi` and its language host first, then this Node.js (the host runs `node` from PATH).
    PATH: `${o.toolchain.engineBin}:${dirname(process.execPath)}:${process.env.PATH ?? ""}`,
    KUBECONFIG: o.cluster.kubeconfig,
    PULUMI_HOME: home,
    PULUMI_BACKEND_URL: `file://${stateDir}`,
    PULUMI_CONFIG_PASSPHRASE: o.passphrase,
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    PULUMI_IGNORE_AMBIENT_PLUGINS: "true",
    // Type-checking is `npm run typecheck`'s job; ts-node only transpiles (as the ephemeral CLI does).
    PULUMI_NODEJS_TRANSPILE_ONLY: "true",
    // Enables --event-log (structured engine events: policy results, resource steps).
    PULUMI_DEBUG_COMMANDS: "true",
    PULUMI_SKIP_CONFIRMATIONS: "true",
    NO_COLOR: "1",
  });
  const engine: Engine = {
    pulumi: join(o.toolchain.engineBin, "pulumi"),
    env,
    home,
    stateDir,
    logFile: o.logFile,
  };
  await pulumi(engine, ["login", `file://${stateDir}`]);

  const k8s = requestedPluginVersion("kubernetes");
  await pulumi(engine, [
    "plugin",
    "install",
    "resource",
    "kubernetes",
    k8s,
    "--file",
    join(o.toolchain.bin, "pulumi-resource-kubernetes"),
  ]);
  const installed = [`kubernetes ${k8s} (built: 4.25.0, the only provider version the module proxy serves)`];
  if (o.toolchain.randomProvider) {
    const random = requestedPluginVersion("random");
    await pulumi(engine, [
      "plugin",
      "install",
      "resource",
      "random",
      random,
      "--file",
      o.toolchain.randomProvider,
    ]);
    installed.push(`random ${random} (built: the stand-in bridge of build.sh)`);
  }
  o.log(`engine: pulumi ${o.toolchain.pulumiVersion}, file backend and PULUMI_HOME in ${o.tmp}`);
  o.log(`engine: providers installed into PULUMI_HOME: ${installed.join("; ")}`);
  return engine;
}

export async function pulumi(
  engine: Engine,
  args: readonly string[],
  options: RunOptions = {},
): Promise<RunResult> {
  return mustRun(engine.pulumi, args, { env: engine.env, logFile: engine.logFile, cwd: ROOT, ...options });
}

export async function pulumiMayFail(
  engine: Engine,
  args: readonly string[],
  options: RunOptions = {},
): Promise<RunResult> {
  return run(engine.pulumi, args, { env: engine.env, logFile: engine.logFile, cwd: ROOT, ...options });
}

/**
 * A stack that exists for this run only: created now; at cleanup removed from the backend and its
 * config file deleted (`stack rm` does that too, unless the backend is already gone).
 */
export async function initTemporaryStack(
  engine: Engine,
  stack: string,
  options: { cwd?: string; configFile: string },
): Promise<void> {
  const cwd = options.cwd ?? ROOT;
  onCleanup(`stack file of ${stack}`, () => rmSync(options.configFile, { force: true }));
  onCleanup(`stack ${stack}`, async () => {
    await pulumiMayFail(engine, ["stack", "rm", "--yes", "--force", "--stack", stack], {
      cwd,
      timeoutMs: 60_000,
    });
  });
  await pulumi(engine, ["stack", "init", stack, "--non-interactive"], { cwd });
}

// Engine events (--event-log): one JSON object per line.
export interface PolicyEvent {
  resourceUrn?: string;
  policyName: string;
  policyPackName: string;
  enforcementLevel: string;
  message?: string;
}

interface EngineEvent {
  policyEvent?: PolicyEvent;
  policyLoadEvent?: object;
  policyAnalyzeSummaryEvent?: { policyPackName: string; passed?: string[]; failed?: string[] };
  policyAnalyzeStackSummaryEvent?: { policyPackName: string; passed?: string[]; failed?: string[] };
  summaryEvent?: { resourceChanges?: Record<string, number>; result?: string };
  diagnosticEvent?: { severity?: string; message?: string; urn?: string };
}

export interface PolicyReport {
  loaded: boolean;
  /** Resources each pack analyzed (one summary event per resource). */
  analyzed: Map<string, number>;
  /** Packs that ran their stack policies. */
  stackAnalyzed: Set<string>;
  /** Distinct policies a pack reported as passed, over all resources. */
  passed: Map<string, Set<string>>;
  violations: PolicyEvent[];
  resourceChanges: Record<string, number>;
  result: string | undefined;
  errors: string[];
}

export function readEvents(file: string): PolicyReport {
  const report: PolicyReport = {
    loaded: false,
    analyzed: new Map(),
    stackAnalyzed: new Set(),
    passed: new Map(),
    violations: [],
    resourceChanges: {},
    result: undefined,
    errors: [],
  };
  if (!existsSync(file)) throw new E2EError(`the engine wrote no event log at ${file}`);
  for (const line of readFileSync(file, "utf8").split("\n")) {
    if (!line.trim()) continue;
    const e = JSON.parse(line) as EngineEvent;
    if (e.policyLoadEvent) report.loaded = true;
    const summary = e.policyAnalyzeSummaryEvent ?? e.policyAnalyzeStackSummaryEvent;
    if (summary) {
      const pack = summary.policyPackName;
      if (e.policyAnalyzeSummaryEvent) report.analyzed.set(pack, (report.analyzed.get(pack) ?? 0) + 1);
      else report.stackAnalyzed.add(pack);
      const set = report.passed.get(pack) ?? new Set<string>();
      for (const p of summary.passed ?? []) set.add(p);
      report.passed.set(pack, set);
    }
    if (e.policyEvent) report.violations.push(e.policyEvent);
    if (e.summaryEvent) {
      report.resourceChanges = e.summaryEvent.resourceChanges ?? {};
      report.result = e.summaryEvent.result;
    }
    if (e.diagnosticEvent?.severity === "error" && e.diagnosticEvent.message) {
      report.errors.push(e.diagnosticEvent.message.trim());
    }
  }
  return report;
}

export interface StateResource {
  urn: string;
  type: string;
  outputs?: Record<string, unknown>;
  inputs?: Record<string, unknown>;
}

export interface ExportedState {
  resources: StateResource[];
  /** The export as the CLI printed it (secrets encrypted). */
  text: string;
}

export async function exportState(engine: Engine, stack: string, cwd = ROOT): Promise<ExportedState> {
  const r = await pulumi(engine, ["stack", "export", "--stack", stack], { cwd });
  const doc = JSON.parse(r.stdout) as { deployment?: { resources?: StateResource[] } };
  return { resources: doc.deployment?.resources ?? [], text: r.stdout };
}

/** Kind/namespace/name of the Kubernetes objects in a stack's state. */
export function kubernetesObjects(resources: readonly StateResource[]) {
  return resources
    .filter((r) => r.type.startsWith("kubernetes:") && !r.type.startsWith("kubernetes:helm"))
    .map((r) => {
      const meta = (r.outputs?.metadata ?? r.inputs?.metadata ?? {}) as { name?: string; namespace?: string };
      return { type: r.type, name: meta.name ?? "", namespace: meta.namespace ?? "" };
    });
}

/** One resource step as the engine's event log records it: before it ran, and once it was done. */
export interface StepEvent {
  /** The event's position in the log (the engine numbers them in the order it emits them). */
  sequence: number;
  /** Seconds since the epoch. */
  timestamp: number;
  phase: "pre" | "outputs" | "failed";
  /** create, update, same, delete, replace, create-replacement, delete-replaced... */
  op: string;
  urn: string;
  type: string;
}

/** The resource steps of an --event-log file, in order. */
export function readSteps(file: string): StepEvent[] {
  if (!existsSync(file)) throw new E2EError(`the engine wrote no event log at ${file}`);
  const steps: StepEvent[] = [];
  for (const line of readFileSync(file, "utf8").split("\n")) {
    if (!line.trim()) continue;
    const e = JSON.parse(line) as {
      sequence: number;
      timestamp: number;
      resourcePreEvent?: { metadata: { op: string; urn: string; type: string } };
      resOutputsEvent?: { metadata: { op: string; urn: string; type: string } };
      resOpFailedEvent?: { metadata: { op: string; urn: string; type: string } };
    };
    const [phase, body] = e.resourcePreEvent
      ? (["pre", e.resourcePreEvent] as const)
      : e.resOutputsEvent
        ? (["outputs", e.resOutputsEvent] as const)
        : e.resOpFailedEvent
          ? (["failed", e.resOpFailedEvent] as const)
          : [undefined, undefined];
    if (!phase || !body) continue;
    const { op, urn, type } = body.metadata;
    steps.push({ sequence: e.sequence, timestamp: e.timestamp, phase, op, urn, type });
  }
  return steps.sort((a, b) => a.sequence - b.sequence);
}

/** The name part of a URN (after the last `::`). */
export const urnName = (urn: string): string => urn.slice(urn.lastIndexOf("::") + 2);
