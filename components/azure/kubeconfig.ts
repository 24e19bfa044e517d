import { parse, stringify } from "yaml";

// AKS with Entra ID and local accounts disabled hands out kubeconfigs whose user runs
// `kubelogin get-token --login devicecode`: fine for a person at a terminal, a hang for
// `pulumi up` in CI. The platform rewrites the login mode to one that works unattended, building
// the arguments the way `kubelogin convert-kubeconfig -l <mode>` does: it keeps only the server id
// (the AKS application every mode asks a token for) and adds what the mode needs. The public
// AKS client id of the device-code login is never kept for `msi`: kubelogin would ask the
// instance metadata service for a managed identity of that id, which does not exist.

export type KubeloginMode = "azurecli" | "workloadidentity" | "spn" | "msi";

export interface KubeloginOptions {
  /**
   * `msi` only: the client id of the user-assigned managed identity to log in with (a VM or
   * runner with several identities).
   * @default - no `--client-id`: the host's only (system-assigned) identity
   */
  msiClientId?: string;
}

interface KubeconfigUser {
  name?: string;
  user?: { exec?: { command?: string; args?: string[] } };
}

/** The value after a flag in an argument list, or undefined. */
function argValue(args: readonly string[], flag: string): string | undefined {
  const i = args.indexOf(flag);
  return i >= 0 ? args[i + 1] : undefined;
}

/**
 * The `kubelogin get-token` arguments of one mode, from the arguments AKS generated (device code):
 * - azurecli: the server id only (the Azure CLI's own login picks the tenant);
 * - workloadidentity: the server id only (AZURE_CLIENT_ID, AZURE_TENANT_ID and
 *   AZURE_FEDERATED_TOKEN_FILE come from the environment, as azure/login or a pod sets them);
 * - spn: the server id, the client and tenant ids and the environment of the input (kubelogin
 *   lets AAD_SERVICE_PRINCIPAL_CLIENT_ID / AZURE_CLIENT_ID override the client id at run time);
 * - msi: the server id, and the identity's client id only when one is configured.
 */
export function kubeloginArgs(
  original: readonly string[],
  mode: KubeloginMode,
  options: KubeloginOptions = {},
) {
  const serverId = argValue(original, "--server-id");
  if (!serverId) throw new Error("internal: the AKS kubeconfig has no --server-id for kubelogin");
  const args = ["get-token", "--login", mode, "--server-id", serverId];
  if (mode === "spn") {
    for (const flag of ["--client-id", "--tenant-id", "--environment"]) {
      const value = argValue(original, flag);
      if (value) args.push(flag, value);
    }
  }
  if (mode === "msi" && options.msiClientId) args.push("--client-id", options.msiClientId);
  return args;
}

export function withKubeloginMode(
  kubeconfig: string,
  mode: KubeloginMode,
  options: KubeloginOptions = {},
): string {
  const doc = parse(kubeconfig) as { users?: KubeconfigUser[] } | null;
  for (const entry of doc?.users ?? []) {
    const exec = entry.user?.exec;
    if (!exec?.command?.endsWith("kubelogin") || !exec.args) continue;
    exec.args = kubeloginArgs(exec.args, mode, options);
  }
  return stringify(doc);
}
