import { parse, stringify } from "yaml";

// AKS with Entra ID and local accounts disabled hands out kubeconfigs whose user runs
// `kubelogin get-token --login devicecode`: fine for a person at a terminal, a hang for
// `pulumi up` in CI. The platform rewrites the login mode to one that works unattended, the way
// `kubelogin convert-kubeconfig -l <mode>` does.

export type KubeloginMode = "azurecli" | "workloadidentity" | "spn" | "msi";

interface KubeconfigUser {
  name?: string;
  user?: { exec?: { command?: string; args?: string[] } };
}

/** Arguments kubelogin ignores or refuses in a login mode. */
const DROPPED: Record<KubeloginMode, string[]> = {
  azurecli: ["--client-id", "--environment"],
  workloadidentity: [],
  spn: [],
  msi: ["--tenant-id", "--environment"],
};

export function withKubeloginMode(kubeconfig: string, mode: KubeloginMode): string {
  const doc = parse(kubeconfig) as { users?: KubeconfigUser[] } | null;
  for (const entry of doc?.users ?? []) {
    const exec = entry.user?.exec;
    if (!exec?.command?.endsWith("kubelogin") || !exec.args) continue;
    const args: string[] = [];
    for (let i = 0; i < exec.args.length; i++) {
      const arg = exec.args[i] as string;
      if (arg === "--login") {
        args.push(arg, mode);
        i++;
      } else if (DROPPED[mode].includes(arg)) {
        i++;
      } else {
        args.push(arg);
      }
    }
    if (!args.includes("--login")) args.push("--login", mode);
    exec.args = args;
  }
  return stringify(doc);
}
