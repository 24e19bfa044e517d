// The seam between the ephemeral-stack commands and Pulumi. Everything the commands decide
// (names, TTLs, config, what to reap, what to print) is tested against the in-memory fake
// (test/ephemeral/fake-driver.ts); the Automation API implementation (automation-driver.ts) only translates
// these calls into Pulumi CLI invocations, and is exercised end to end with a real engine.

export interface StackInfo {
  /** As the backend lists it (`ci-42`, or `organization/platform/ci-42`). */
  name: string;
  tags: Record<string, string>;
  /** ISO 8601, absent for a stack that was never updated. */
  lastUpdate?: string;
  resourceCount?: number;
  updateInProgress?: boolean;
}

export interface OutputValue {
  value: unknown;
  secret: boolean;
}
export type StackOutputs = Record<string, OutputValue>;

/** A Namespace recorded in a stack's state: how `reap` recognises a stack that lost its tags. */
export interface NamespaceRecord {
  name: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface StackState {
  resourceCount: number;
  namespaces: NamespaceRecord[];
}

export interface OperationOptions {
  /** Progress as the engine prints it (secrets masked by the engine). */
  onOutput?: (text: string) => void;
}

export interface UpSummary {
  /** Resource counts by operation (`create`, `update`, `same`, `delete`...). */
  resourceChanges: Record<string, number>;
}

export interface StackDriver {
  /** Where the state lives, for messages: `file:///…`, `azblob://…`, `s3://…` or Pulumi Cloud. */
  backend(): string;
  /** Stacks of the project, with their tags. */
  list(): Promise<StackInfo[]>;
  /** The stack's tags, or undefined when the stack does not exist. */
  find(stack: string): Promise<StackInfo | undefined>;
  /** Creates the stack, or selects it when it exists. */
  createOrSelect(stack: string): Promise<{ created: boolean }>;
  /** Replaces the stack's whole config with `values` (structured, as a stack file holds them). */
  setConfig(stack: string, values: Record<string, unknown>): Promise<void>;
  setTags(stack: string, tags: Record<string, string>): Promise<void>;
  removeTags(stack: string, keys: readonly string[]): Promise<void>;
  up(stack: string, options?: OperationOptions): Promise<UpSummary>;
  outputs(stack: string): Promise<StackOutputs>;
  /** Reads the stack's state (never its secrets): resource count and Namespaces with labels. */
  state(stack: string): Promise<StackState>;
  destroy(stack: string, options?: OperationOptions): Promise<void>;
  /** Removes the stack: state, history, backups, tags and its stack config file. */
  remove(stack: string): Promise<void>;
}
