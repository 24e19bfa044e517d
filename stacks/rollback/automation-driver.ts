import { LocalWorkspace, PulumiCommand, Stack } from "@pulumi/pulumi/automation";
import { type AutomationDriverOptions, preflight } from "../ephemeral/automation-driver";
import { toConfigJson } from "../ephemeral/config";
import { OperationError } from "../ephemeral/errors";
import type { OperationOptions, RollbackDriver, UpdateRecord } from "./driver";

// The RollbackDriver on Pulumi's Automation API: the project directory's LocalWorkspace (the same
// program and stacks/ config users run), any backend the CLI is logged into. Previews and updates
// run with the policy pack and the stack's pack config, as every merge request and deploy does.

export async function createRollbackDriver(options: AutomationDriverOptions): Promise<RollbackDriver> {
  preflight(options);
  const command = await PulumiCommand.get({
    ...(options.pulumiRoot ? { root: options.pulumiRoot } : {}),
    skipVersionCheck: true,
  }).catch((error: Error) => {
    throw new OperationError(`cannot run the Pulumi CLI: ${error.message.split("\n")[0]}`);
  });
  const workspace = await LocalWorkspace.create({
    workDir: options.workDir,
    pulumiCommand: command,
    envVars: { PULUMI_SKIP_UPDATE_CHECK: "true" },
  });
  const select = (stack: string) => Stack.select(stack, workspace);
  return {
    async history(stack) {
      const updates = await (await select(stack)).history();
      return updates.map(
        (u): UpdateRecord => ({
          version: u.version,
          kind: u.kind,
          result: u.result,
          startTime: u.startTime.toISOString(),
          config: Object.fromEntries(
            Object.entries(u.config ?? {}).map(([k, v]) => [
              k,
              { value: v.value, secret: v.secret ?? false },
            ]),
          ),
        }),
      );
    },
    async outputs(stack) {
      const outputs = await workspace.stackOutputs(stack);
      return Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, v.value as unknown]));
    },
    async setConfig(stack, values) {
      await workspace.setAllConfigJson(stack, toConfigJson(values));
    },
    async preview(stack, opts: OperationOptions) {
      const result = await (await select(stack)).preview({
        policyPacks: [opts.policyPack],
        ...(opts.policyPackConfig ? { policyPackConfigs: [opts.policyPackConfig] } : {}),
        ...(opts.onOutput ? { onOutput: opts.onOutput } : {}),
      });
      return { ...(result.changeSummary as Record<string, number>) };
    },
    async up(stack, opts: OperationOptions) {
      const result = await (await select(stack)).up({
        policyPacks: [opts.policyPack],
        ...(opts.policyPackConfig ? { policyPackConfigs: [opts.policyPackConfig] } : {}),
        ...(opts.onOutput ? { onOutput: opts.onOutput } : {}),
      });
      return { ...((result.summary?.resourceChanges ?? {}) as Record<string, number>) };
    },
  };
}
