import { needs } from "../../components/backing/kind";
import { databaseKind } from "../../components/backing/kinds";
import type { ServiceSpec } from "../../components/service/spec";
import { ServiceGraph } from "../../infra/catalog/graph";
import { loadCatalog } from "../../infra/catalog/load";
import type {
  NamespaceRecord,
  OperationOptions,
  StackDriver,
  StackInfo,
  StackOutputs,
  StackState,
  UpSummary,
} from "../../stacks/ephemeral/driver";
import { LABEL } from "../../stacks/ephemeral/tags";
import { expiryLabel } from "../../stacks/ephemeral/ttl";

// An in-memory backend for the tests: stacks with config, tags, outputs and the Namespaces the
// program would label. `up` derives outputs from the config the way the program does (subgraph,
// endpoints, credentials); failures are injected per operation and stack. Every call is logged.

export interface FakeStack {
  name: string;
  tags: Record<string, string>;
  config: Record<string, unknown>;
  resourceCount: number;
  outputs: StackOutputs;
  namespaces: NamespaceRecord[];
  lastUpdate?: string;
  updateInProgress?: boolean;
  /** Config of the last successful `up`, to report "no changes" when it did not change. */
  applied?: string;
  updates: number;
}

export type FakeOperation =
  | "list"
  | "find"
  | "createOrSelect"
  | "setConfig"
  | "setTags"
  | "removeTags"
  | "up"
  | "outputs"
  | "state"
  | "destroy"
  | "remove";

export interface Deployment {
  outputs: StackOutputs;
  namespaces: NamespaceRecord[];
  resourceCount: number;
}

export class FakeStackDriver implements StackDriver {
  readonly stacks = new Map<string, FakeStack>();
  readonly calls: string[] = [];
  private readonly failures = new Map<string, string>();
  /** The --service-spec files the program would read (PLATFORM_SERVICE_SPECS), as the CLI passed them. */
  serviceSpecs: readonly string[] = [];

  constructor(
    private readonly options: {
      now?: () => Date;
      deploy?: (stack: string, config: Record<string, unknown>) => Deployment;
    } = {},
  ) {}

  backend(): string {
    return "fake://memory";
  }

  /** The next (and every later) `operation` on `stack` throws `message`. */
  failOn(operation: FakeOperation, stack: string, message = `${operation} of ${stack} failed`): this {
    this.failures.set(`${operation}:${stack}`, message);
    return this;
  }

  /** Adds a stack as another tool (or an earlier run) left it. */
  seed(stack: Partial<FakeStack> & { name: string }): FakeStack {
    const full: FakeStack = {
      tags: {},
      config: {},
      resourceCount: 0,
      outputs: {},
      namespaces: [],
      updates: 0,
      ...stack,
    };
    this.stacks.set(stack.name, full);
    return full;
  }

  private enter(operation: FakeOperation, stack = ""): void {
    this.calls.push(stack ? `${operation} ${stack}` : operation);
    const failure = this.failures.get(`${operation}:${stack}`);
    if (failure) throw new Error(failure);
  }

  private get(stack: string): FakeStack {
    const found = this.stacks.get(stack);
    if (!found) throw new Error(`no stack named '${stack}' found`);
    return found;
  }

  private info(s: FakeStack): StackInfo {
    return {
      name: s.name,
      tags: { ...s.tags },
      resourceCount: s.resourceCount,
      ...(s.lastUpdate ? { lastUpdate: s.lastUpdate } : {}),
      ...(s.updateInProgress ? { updateInProgress: true } : {}),
    };
  }

  async list(): Promise<StackInfo[]> {
    this.enter("list");
    return [...this.stacks.values()].map((s) => this.info(s));
  }

  async find(stack: string): Promise<StackInfo | undefined> {
    this.enter("find", stack);
    const s = this.stacks.get(stack);
    return s ? this.info(s) : undefined;
  }

  async createOrSelect(stack: string): Promise<{ created: boolean }> {
    this.enter("createOrSelect", stack);
    if (this.stacks.has(stack)) return { created: false };
    this.seed({ name: stack });
    return { created: true };
  }

  async setConfig(stack: string, values: Record<string, unknown>): Promise<void> {
    this.enter("setConfig", stack);
    this.get(stack).config = structuredClone(values);
  }

  async setTags(stack: string, tags: Record<string, string>): Promise<void> {
    this.enter("setTags", stack);
    Object.assign(this.get(stack).tags, tags);
  }

  async removeTags(stack: string, keys: readonly string[]): Promise<void> {
    this.enter("removeTags", stack);
    const s = this.get(stack);
    for (const k of keys) delete s.tags[k];
  }

  async up(stack: string, options: OperationOptions = {}): Promise<UpSummary> {
    this.enter("up", stack);
    const s = this.get(stack);
    const deploy =
      this.options.deploy ??
      ((name: string, config: Record<string, unknown>) =>
        simulateProgram(name, config, loadCatalog({ specFiles: this.serviceSpecs }).services));
    const result = deploy(stack, s.config);
    const config = JSON.stringify(s.config);
    const unchanged = s.applied === config;
    options.onOutput?.(`Updating (${stack}):\n`);
    options.onOutput?.(unchanged ? "Resources: unchanged\n" : `Resources: ${result.resourceCount} changed\n`);
    const before = s.resourceCount;
    s.outputs = result.outputs;
    s.namespaces = result.namespaces;
    s.resourceCount = result.resourceCount;
    s.applied = config;
    s.updates++;
    s.lastUpdate = (this.options.now?.() ?? new Date()).toISOString();
    if (unchanged) return { resourceChanges: { same: result.resourceCount } };
    return before === 0
      ? { resourceChanges: { create: result.resourceCount } }
      : { resourceChanges: { update: result.resourceCount } };
  }

  async outputs(stack: string): Promise<StackOutputs> {
    this.enter("outputs", stack);
    return structuredClone(this.get(stack).outputs);
  }

  async state(stack: string): Promise<StackState> {
    this.enter("state", stack);
    const s = this.get(stack);
    return { resourceCount: s.resourceCount, namespaces: structuredClone(s.namespaces) };
  }

  async destroy(stack: string, options: OperationOptions = {}): Promise<void> {
    this.enter("destroy", stack);
    const s = this.get(stack);
    options.onOutput?.(`Destroying (${stack}): ${s.resourceCount} deleted\n`);
    s.resourceCount = 0;
    s.outputs = {};
    s.namespaces = [];
  }

  async remove(stack: string): Promise<void> {
    this.enter("remove", stack);
    const s = this.get(stack);
    if (s.resourceCount > 0) {
      throw new Error(`'${stack}' still has resources; removal rejected`);
    }
    this.stacks.delete(stack);
  }
}

/**
 * What the program exports for a config, without the program: the namespace, the services of
 * the subgraph (platform:only and its dependencies) with their URLs, the in-cluster endpoints,
 * secret credentials for the services with a database, and the labelled Namespaces.
 */
export function simulateProgram(
  _stack: string,
  config: Record<string, unknown>,
  catalog: readonly ServiceSpec[] = loadCatalog().services,
): Deployment {
  const namespace = String(config["platform:namespace"] ?? "platform");
  const only = config["platform:only"];
  const graph = new ServiceGraph(catalog);
  const names = Array.isArray(only) ? graph.closure(only.map(String)) : graph.names();
  const host = (name: string, ns = namespace) => `${name}.${ns}.svc.cluster.local`;
  const services = Object.fromEntries(
    names.map((n) => [
      n,
      { url: `http://${host(n)}:80`, image: `registry.example.com/platform/${n}`, routes: [] },
    ]),
  );
  const credentials = Object.fromEntries(
    names
      .filter((n) => needs(databaseKind, graph.get(n)))
      .map((n) => [n, { DATABASE_URL: `postgresql://${n}:s3cr3t-${n}@${host("postgres")}:5432/${n}` }]),
  );
  const gateway = config["platform:gateway"] as { hostname?: string } | undefined;
  const outputs: StackOutputs = {
    namespace: { value: namespace, secret: false },
    services: { value: services, secret: false },
    endpoints: {
      value: {
        postgres: `${host("postgres")}:5432`,
        redis: `${host("redis")}:6379`,
        rabbitmq: `${host("rabbitmq")}:5672`,
        objectStore: `http://${host("azurite")}:10000`,
        loki: `http://${host("loki", `${namespace}-logs`)}:3100`,
      },
      secret: false,
    },
    credentials: { value: credentials, secret: true },
  };
  if (gateway?.hostname) outputs.gatewayUrl = { value: `http://${gateway.hostname}`, secret: false };

  const ephemeral = config["platform:ephemeral"] as Record<string, string> | undefined;
  const environment = String(config["platform:environment"] ?? "ci");
  const labels = (): Record<string, string> => {
    const l: Record<string, string> = { [LABEL.environment]: environment };
    if (!ephemeral) return l;
    l[LABEL.ephemeral] = "true";
    for (const key of ["pipeline", "owner", "ref", "commit"] as const) {
      const v = ephemeral[key];
      if (v) l[LABEL[key]] = v;
    }
    if (ephemeral.expiresAt) l[LABEL.expiresAt] = expiryLabel(ephemeral.expiresAt);
    return l;
  };
  const annotations: Record<string, string> = ephemeral?.expiresAt
    ? { [LABEL.expiresAt]: ephemeral.expiresAt }
    : {};
  return {
    outputs,
    namespaces: [
      { name: namespace, labels: labels(), annotations: { ...annotations } },
      { name: `${namespace}-logs`, labels: labels(), annotations: { ...annotations } },
    ],
    resourceCount: 20 + 10 * names.length,
  };
}
