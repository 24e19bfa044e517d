import { readFileSync } from "node:fs";
import type { OperationOptions, RollbackDriver, UpdateRecord } from "../../stacks/rollback/driver";

// An in-memory stack: history, outputs, config; records every call the rollback makes.

export class FakeRollbackDriver implements RollbackDriver {
  readonly calls: string[] = [];
  config: Record<string, unknown> = {};
  failPreview?: string;
  failUp?: string;

  constructor(
    readonly updates: UpdateRecord[],
    readonly stackOutputs: Record<string, unknown>,
  ) {}

  async history(stack: string) {
    this.calls.push(`history ${stack}`);
    return this.updates;
  }
  async outputs(stack: string) {
    this.calls.push(`outputs ${stack}`);
    return this.stackOutputs;
  }
  async setConfig(stack: string, values: Record<string, unknown>) {
    this.calls.push(`setConfig ${stack} ${JSON.stringify(values)}`);
    Object.assign(this.config, values);
  }
  /** The pack config each preview and update ran with (the file's content). */
  readonly packConfigs: unknown[] = [];

  async preview(stack: string, options: OperationOptions) {
    this.calls.push(`preview ${stack} ${options.policyPack}`);
    this.packConfigs.push(
      options.policyPackConfig && JSON.parse(readFileSync(options.policyPackConfig, "utf8")),
    );
    if (this.failPreview) throw new Error(this.failPreview);
    return { update: 1 };
  }
  async up(stack: string, options: OperationOptions) {
    this.calls.push(`up ${stack} ${options.policyPack}`);
    this.packConfigs.push(
      options.policyPackConfig && JSON.parse(readFileSync(options.policyPackConfig, "utf8")),
    );
    if (this.failUp) throw new Error(this.failUp);
    return { update: 1 };
  }
}

/** One update as `pulumi stack history` records it, with config as the stack file would hold it. */
export function update(
  version: number,
  tag: string,
  options: { result?: string; kind?: string; services?: Record<string, unknown> } = {},
): UpdateRecord {
  return {
    version,
    kind: options.kind ?? "update",
    result: options.result ?? "succeeded",
    startTime: `2026-11-${String(version).padStart(2, "0")}T10:00:00.000Z`,
    config: {
      "platform:images": {
        value: JSON.stringify({ registry: "registry.example.com/platform", tag }),
        secret: false,
      },
      ...(options.services
        ? { "platform:services": { value: JSON.stringify(options.services), secret: false } }
        : {}),
      "platform:kubeconfig": { value: "[secret]", secret: true },
    },
  };
}
