import { join } from "node:path";
import { expect } from "vitest";
import { loadPackConfig } from "../../policies/runner/config";
import { runPolicyGate } from "../../tools/plan/policy-gate";
import { reveal } from "../../tools/plan/redact";
import { runProgram } from "../../tools/plan/run";
import type { RecordedResource } from "../../tools/plan/runtime";
import { readStackFile } from "../../tools/plan/stack-file";
import { Planned } from "../helpers/program";

// Plans of the Azure stacks, and lookups over the azure-native resources they register.

export const ROOT = join(__dirname, "..", "..");

/** Plans stacks/Pulumi.<stack>.yaml exactly as `npm run plan -- --stack <stack>` does. */
export async function planStack(stack: string): Promise<Planned> {
  const file = readStackFile(ROOT, stack);
  const run = await runProgram({ stack, config: file.config, secretKeys: file.secretKeys });
  return new Planned(run);
}

/** The stack file's `platform:*` values as an object, to change one key and plan again. */
export function stackValues(stack: string): Record<string, unknown> {
  const file = readStackFile(ROOT, stack);
  return Object.fromEntries(
    Object.entries(file.config).map(([k, v]) => {
      const key = k.replace(/^platform:/, "");
      try {
        return [key, JSON.parse(v)];
      } catch {
        return [key, v];
      }
    }),
  );
}

export const T = {
  cluster: "azure-native:containerservice:ManagedCluster",
  agentPool: "azure-native:containerservice:AgentPool",
  registry: "azure-native:containerregistry:Registry",
  redis: "azure-native:redisenterprise:RedisEnterprise",
  redisDatabase: "azure-native:redisenterprise:Database",
  postgres: "azure-native:dbforpostgresql:Server",
  postgresConfiguration: "azure-native:dbforpostgresql:Configuration",
  postgresDatabase: "azure-native:dbforpostgresql:Database",
  storageAccount: "azure-native:storage:StorageAccount",
  container: "azure-native:storage:BlobContainer",
  vault: "azure-native:keyvault:Vault",
  secret: "azure-native:keyvault:Secret",
  identity: "azure-native:managedidentity:UserAssignedIdentity",
  federated: "azure-native:managedidentity:FederatedIdentityCredential",
  role: "azure-native:authorization:RoleAssignment",
  subnet: "azure-native:network:Subnet",
  privateEndpoint: "azure-native:network:PrivateEndpoint",
  privateZone: "azure-native:privatedns:PrivateZone",
  workspace: "azure-native:operationalinsights:Workspace",
  metricsWorkspace: "azure-native:monitor:AzureMonitorWorkspace",
  peering: "azure-native:network:VirtualNetworkPeering",
} as const;

export function ofType(p: Planned, type: string): RecordedResource[] {
  return p.resources.filter((r) => r.type === type);
}

/** Inputs with secrets unwrapped (what the provider receives). */
// biome-ignore lint/suspicious/noExplicitAny: resource inputs are free-form; tests navigate them.
export function inputs(r: RecordedResource): any {
  return reveal(r.inputs);
}

/** Outputs answered by the mocks, secrets unwrapped. */
// biome-ignore lint/suspicious/noExplicitAny: see inputs()
export function state(r: RecordedResource): any {
  return reveal(r.state);
}

/** The resource id the mock runtime gave a resource (what `.id` resolves to in the program). */
export function idOf(r: RecordedResource): string {
  if (!r.id) throw new Error(`${r.type} ${r.name} has no id`);
  return r.id;
}

export function byId(p: Planned): Map<string, RecordedResource> {
  return new Map(p.resources.filter((r) => r.custom).map((r) => [idOf(r), r]));
}

export function mandatoryViolations(p: Planned, stack: string, environment: string) {
  const report = runPolicyGate(p.resources, loadPackConfig(stack), {
    "platform:stack": stack,
    "platform:environment": environment,
  });
  return report.violations.filter((v) => v.enforcementLevel === "mandatory");
}

export function expectNoError(p: Planned): void {
  expect(p.run.error?.message).toBeUndefined();
}

/** The first resource of a type whose inputs match a predicate. */
export function find(
  p: Planned,
  type: string,
  // biome-ignore lint/suspicious/noExplicitAny: see inputs()
  predicate: (inputs: any, r: RecordedResource) => boolean = () => true,
): RecordedResource {
  const found = p.resources.find((r) => r.type === type && predicate(inputs(r), r));
  if (!found) throw new Error(`no ${type} matches`);
  return found;
}
