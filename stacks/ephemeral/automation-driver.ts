import { execFile } from "node:child_process";
import { delimiter, join } from "node:path";
import { LocalWorkspace, PulumiCommand, Stack } from "@pulumi/pulumi/automation";
import { SERVICE_SPECS_ENV } from "../../infra/catalog/load";
import { TEMPLATE_STACK, toConfigJson } from "./config";
import type {
  NamespaceRecord,
  OperationOptions,
  StackDriver,
  StackInfo,
  StackOutputs,
  StackState,
  UpSummary,
} from "./driver";
import { OperationError, UsageError } from "./errors";
import { shortStackName } from "./naming";
import { withPolicyGate } from "./policy-pack";

// The StackDriver on Pulumi's Automation API: a LocalWorkspace on the project directory (so the
// program, Pulumi.yaml and stackConfigDir: stacks are the ones users run), any backend the CLI
// is logged into or PULUMI_BACKEND_URL names (file://, azblob://, s3://, Pulumi Cloud).
// Two calls go to the CLI directly because the Automation API has no option for them:
// `stack rm --remove-backups` (the DIY backends otherwise keep a .bak of the state and its
// backups) and `stack export` without --show-secrets (reading labels needs no secret).

/** Stack tags on DIY backends (3.211), `config set-all --json` (3.203), `stack rm --remove-backups` (3.188). */
export const MIN_PULUMI_VERSION = "3.211.0";

const DIY_SCHEMES = ["file:", "azblob:", "s3:", "gs:", "postgres:"];

export interface AutomationDriverOptions {
  /** The project directory (Pulumi.yaml). */
  workDir: string;
  env: Readonly<Record<string, string | undefined>>;
  /** For new stacks: `passphrase` (default on DIY backends), `azurekeyvault://…`, `awskms://…`… */
  secretsProvider?: string;
  /** A Pulumi installation root (`<root>/bin/pulumi`) instead of `pulumi` on PATH. */
  pulumiRoot?: string;
  /** Absolute paths of `--service-spec` files: the program reads them from PLATFORM_SERVICE_SPECS. */
  serviceSpecs?: readonly string[];
  /**
   * The stack whose pack config (`npm run policy -- config --stack <name>`) every update runs with.
   * @default "ci": the template every ephemeral stack is built from
   */
  policyConfigStack?: string;
}

/** Where the state lives, without credentials or query parameters. */
export function describeBackend(url: string | undefined): string {
  if (!url) return "the backend of `pulumi login` (PULUMI_BACKEND_URL is not set)";
  try {
    const u = new URL(url);
    if (u.protocol === "file:") return `file://${u.pathname}`;
    return `${u.protocol}//${u.host}${u.pathname === "/" ? "" : u.pathname}`;
  } catch {
    return url.replace(/\?.*$/, "");
  }
}

/** Checks what can be checked before the first CLI call. */
export function preflight(options: AutomationDriverOptions): void {
  const url = options.env.PULUMI_BACKEND_URL;
  const diy = url !== undefined && DIY_SCHEMES.some((s) => url.startsWith(s));
  const passphrase = options.secretsProvider === undefined || options.secretsProvider === "passphrase";
  if (
    diy &&
    passphrase &&
    options.env.PULUMI_CONFIG_PASSPHRASE === undefined &&
    options.env.PULUMI_CONFIG_PASSPHRASE_FILE === undefined
  ) {
    throw new UsageError(
      `PULUMI_BACKEND_URL is a self-managed backend (${describeBackend(url)}) with the passphrase secrets provider, but neither PULUMI_CONFIG_PASSPHRASE nor PULUMI_CONFIG_PASSPHRASE_FILE is set: set one (a masked CI variable), or pass --secrets-provider azurekeyvault://… / awskms://…`,
    );
  }
}

export async function createAutomationDriver(options: AutomationDriverOptions): Promise<StackDriver> {
  preflight(options);
  let command: PulumiCommand;
  try {
    command = await PulumiCommand.get({
      ...(options.pulumiRoot ? { root: options.pulumiRoot } : {}),
      skipVersionCheck: true,
    });
  } catch (error) {
    const message = (error as Error).message;
    const why = /ENOENT/.test(message)
      ? `no pulumi executable ${options.pulumiRoot ? `in ${options.pulumiRoot}/bin` : "on PATH"}`
      : (message.split("\n").find((l) => /stderr: ./.test(l)) ?? message.split("\n")[0] ?? "").trim();
    throw new OperationError(
      `the Pulumi CLI could not be run (${why}): install version ${MIN_PULUMI_VERSION} or later (https://www.pulumi.com/docs/install/) and put it on PATH`,
    );
  }
  if (command.version && command.version.compare(MIN_PULUMI_VERSION) < 0) {
    throw new OperationError(
      `the Pulumi CLI is ${command.version.version}; ephemeral stacks need ${MIN_PULUMI_VERSION} or later (stack tags on self-managed backends, config set-all --json, stack rm --remove-backups)`,
    );
  }
  const envVars: Record<string, string> = {
    PULUMI_SKIP_UPDATE_CHECK: "true",
    // The pipeline's own Node already type-checked the program; ts-node need not do it again.
    ...(options.env.PULUMI_NODEJS_TRANSPILE_ONLY === undefined
      ? { PULUMI_NODEJS_TRANSPILE_ONLY: "true" }
      : {}),
    // Always set, empty without specs: the program deploys exactly the catalog the CLI validated,
    // not one changed by a PLATFORM_SERVICE_SPECS left in the runner's environment.
    [SERVICE_SPECS_ENV]: (options.serviceSpecs ?? []).join(delimiter),
  };
  const workspace = await LocalWorkspace.create({
    workDir: options.workDir,
    pulumiCommand: command,
    envVars,
    ...(options.secretsProvider ? { secretsProvider: options.secretsProvider } : {}),
  });
  return new AutomationDriver(workspace, command, options, envVars);
}

class AutomationDriver implements StackDriver {
  constructor(
    private readonly workspace: LocalWorkspace,
    private readonly command: PulumiCommand,
    private readonly options: AutomationDriverOptions,
    private readonly envVars: Record<string, string>,
  ) {}

  backend(): string {
    return describeBackend(this.options.env.PULUMI_BACKEND_URL);
  }

  private async cli(args: string[]): Promise<string> {
    const env: NodeJS.ProcessEnv = { ...process.env, ...this.options.env, ...this.envVars };
    return new Promise((resolve, reject) => {
      execFile(
        this.command.command,
        [...args, "--non-interactive"],
        { cwd: this.options.workDir, env, maxBuffer: 512 * 1024 * 1024 },
        (error, stdout, stderr) => {
          if (error) reject(new Error(`pulumi ${args.join(" ")} failed: ${stderr || error.message}`));
          else resolve(stdout);
        },
      );
    });
  }

  private async summaries() {
    return this.workspace.listStacks();
  }

  private async withTags(s: {
    name: string;
    lastUpdate?: string;
    resourceCount?: number;
    updateInProgress?: boolean;
  }): Promise<StackInfo> {
    // A stack whose tags cannot be read is listed without them: the reaper then looks for
    // labelled namespaces, and otherwise leaves it alone.
    const tags = await this.workspace.listTags(s.name).catch(() => ({}));
    return {
      name: s.name,
      tags,
      ...(s.lastUpdate ? { lastUpdate: s.lastUpdate } : {}),
      ...(s.resourceCount !== undefined ? { resourceCount: s.resourceCount } : {}),
      ...(s.updateInProgress ? { updateInProgress: true } : {}),
    };
  }

  async list(): Promise<StackInfo[]> {
    const stacks = await this.summaries();
    const result: StackInfo[] = [];
    // A few CLI processes at a time: each tag read is one `pulumi stack tag ls`.
    for (let i = 0; i < stacks.length; i += 4) {
      result.push(...(await Promise.all(stacks.slice(i, i + 4).map((s) => this.withTags(s)))));
    }
    return result;
  }

  async find(stack: string): Promise<StackInfo | undefined> {
    const found = (await this.summaries()).find((s) => s.name === stack || shortStackName(s.name) === stack);
    return found ? this.withTags(found) : undefined;
  }

  async createOrSelect(stack: string): Promise<{ created: boolean }> {
    const existed = (await this.summaries()).some(
      (s) => s.name === stack || shortStackName(s.name) === stack,
    );
    await Stack.createOrSelect(stack, this.workspace);
    return { created: !existed };
  }

  async setConfig(stack: string, values: Record<string, unknown>): Promise<void> {
    const current = await this.workspace.getAllConfig(stack);
    const stale = Object.keys(current).filter((k) => !(k in values));
    if (stale.length > 0) await this.workspace.removeAllConfig(stack, stale);
    await this.workspace.setAllConfigJson(stack, toConfigJson(values));
  }

  async setTags(stack: string, tags: Record<string, string>): Promise<void> {
    for (const [key, value] of Object.entries(tags)) await this.workspace.setTag(stack, key, value);
  }

  async removeTags(stack: string, keys: readonly string[]): Promise<void> {
    for (const key of keys) await this.workspace.removeTag(stack, key);
  }

  async up(stack: string, options: OperationOptions = {}): Promise<UpSummary> {
    const s = await Stack.select(stack, this.workspace);
    // The same gate as every merge request and deploy: the pack and its config for the template.
    const result = await withPolicyGate(
      join(this.options.workDir, "policies"),
      this.options.policyConfigStack ?? TEMPLATE_STACK,
      (gate) => s.up({ ...gate, ...(options.onOutput ? { onOutput: options.onOutput } : {}) }),
    );
    // `summary` comes from `stack history`; a backend without history leaves it undefined.
    const summary = result.summary as typeof result.summary | undefined;
    const changes = (summary?.resourceChanges ?? {}) as Record<string, number>;
    return { resourceChanges: { ...changes } };
  }

  async outputs(stack: string): Promise<StackOutputs> {
    const outputs = await this.workspace.stackOutputs(stack);
    return Object.fromEntries(
      Object.entries(outputs).map(([k, v]) => [k, { value: v.value as unknown, secret: v.secret }]),
    );
  }

  async state(stack: string): Promise<StackState> {
    const text = await this.cli(["stack", "export", "--stack", stack]);
    return stateFromDeployment(JSON.parse(text) as unknown);
  }

  async destroy(stack: string, options: OperationOptions = {}): Promise<void> {
    const s = await Stack.select(stack, this.workspace);
    await s.destroy(options.onOutput ? { onOutput: options.onOutput } : {});
  }

  async remove(stack: string): Promise<void> {
    // Also deletes stacks/Pulumi.<stack>.yaml when it is in this checkout (the CLI follows stackConfigDir).
    await this.cli(["stack", "rm", "--yes", "--remove-backups", "--stack", stack]);
  }
}

function record(value: unknown): Record<string, unknown> {
  return value && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

function strings(value: unknown): Record<string, string> {
  return Object.fromEntries(
    Object.entries(record(value)).filter((e): e is [string, string] => typeof e[1] === "string"),
  );
}

/** Namespaces (with labels and annotations) and the resource count of a `pulumi stack export`. */
export function stateFromDeployment(exported: unknown): StackState {
  const resources = record(record(exported).deployment).resources;
  const list = Array.isArray(resources) ? resources.map(record) : [];
  const namespaces: NamespaceRecord[] = [];
  for (const r of list) {
    if (r.type !== "kubernetes:core/v1:Namespace") continue;
    // Outputs are what the cluster holds; inputs stand in for a create that never finished.
    const metadata = record(record(r.outputs).metadata ?? record(r.inputs).metadata);
    const name = typeof metadata.name === "string" ? metadata.name : undefined;
    if (!name) continue;
    namespaces.push({ name, labels: strings(metadata.labels), annotations: strings(metadata.annotations) });
  }
  const counted = list.filter((r) => r.type !== "pulumi:pulumi:Stack").length;
  return { resourceCount: counted, namespaces };
}
