import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadPackConfig } from "../../policies/runner/config";

// The policy gate of an update run through the Automation API: the pack in policies/ and the
// stack's merged pack config, exactly what CI passes to `pulumi up` (`--policy-pack policies
// --policy-pack-config <(npm run policy -- config --stack X)`). The CLI reads the config from a
// file, so it is written to a private temporary directory for the length of the operation.

export interface PolicyGateOptions {
  policyPacks: string[];
  policyPackConfigs: string[];
}

/** Runs `operation` with the policy pack in `packDir` and the pack config of `configStack`. */
export async function withPolicyGate<T>(
  packDir: string,
  configStack: string,
  operation: (gate: PolicyGateOptions) => Promise<T>,
): Promise<T> {
  // A fully qualified name (org/project/stack) has its pack config under the stack's own name.
  const config = loadPackConfig(configStack.split("/").pop() ?? configStack);
  const dir = mkdtempSync(join(tmpdir(), "platform-policy-"));
  const file = join(dir, "policy-config.json");
  writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  try {
    return await operation({ policyPacks: [packDir], policyPackConfigs: [file] });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
