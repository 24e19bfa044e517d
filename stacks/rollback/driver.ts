// The seam between the rollback command and Pulumi: everything the command decides (which update
// to return to, which images change, whether a breaking schema is crossed, what to print) is
// tested against an in-memory fake; automation-driver.ts only translates these calls into the
// Pulumi Automation API.

/** One config value as the stack history records it (object values as JSON text). */
export interface RecordedConfigValue {
  value: string;
  secret: boolean;
}

/** One entry of `pulumi stack history`. */
export interface UpdateRecord {
  version: number;
  /** `update`, `preview`, `refresh`, `destroy`... */
  kind: string;
  /** `succeeded`, `failed`, `in-progress`. */
  result: string;
  startTime: string;
  config: Record<string, RecordedConfigValue>;
}

export interface OperationOptions {
  /** Progress as the engine prints it (secrets masked by the engine). */
  onOutput?: (text: string) => void;
  /** Directory of the policy pack every preview and update runs with. */
  policyPack: string;
  /** The pack's config for the stack (a JSON file), as every deploy passes it. */
  policyPackConfig?: string;
}

export interface RollbackDriver {
  /** The stack's updates, newest first. */
  history(stack: string): Promise<UpdateRecord[]>;
  /** The stack's outputs as plain values (secret outputs stay masked). */
  outputs(stack: string): Promise<Record<string, unknown>>;
  /** Sets non-secret config keys (structured values as objects); other keys are left alone. */
  setConfig(stack: string, values: Record<string, unknown>): Promise<void>;
  /** Previews with the policy pack; throws when the preview or a mandatory policy fails. */
  preview(stack: string, options: OperationOptions): Promise<Record<string, number>>;
  /** Updates with the policy pack; throws when the update fails. */
  up(stack: string, options: OperationOptions): Promise<Record<string, number>>;
}
