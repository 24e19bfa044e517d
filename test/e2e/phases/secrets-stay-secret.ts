import { readFileSync } from "node:fs";
import { kubectl } from "../lib/cluster";
import { pulumi } from "../lib/pulumi";
import { findLeaks, type Place, type SecretValue, secretValues } from "../lib/secrets";
import type { Environment } from "../lib/setup";
import type { Run } from "./context";

// No value the state holds as a secret appears in plain text in the given places, the stack
// outputs, this run's log, or the stack's ConfigMaps and workload specs in the cluster. Shared by
// the local stack's `up` and the ephemeral stacks.

export async function verifySecretsStaySecret(
  run: Run,
  { engine, cluster }: Pick<Environment, "engine" | "cluster">,
  label: string,
  stack: string,
  cwd: string,
  namespaces: readonly string[],
  places: Place[],
): Promise<SecretValue[]> {
  const secrets = await secretValues(engine, stack, cwd);
  const outputs = await pulumi(engine, ["stack", "output", "--json", "--stack", stack], { cwd });
  const inCluster: Place[] = [];
  for (const ns of namespaces) {
    const r = await kubectl(cluster, [
      "get",
      "configmaps,deployments,statefulsets,daemonsets,jobs,cronjobs",
      "-n",
      ns,
      "-o",
      "json",
    ]);
    inCluster.push({ label: `ConfigMaps and workload specs in namespace ${ns}`, text: r.stdout });
  }
  const leaks = findLeaks(secrets, [
    ...places,
    { label: "the stack outputs", text: outputs.stdout },
    { label: "this run's log", text: readFileSync(run.logFile, "utf8") },
    ...inCluster,
  ]);
  run.checks.that(
    secrets.length > 0 && leaks.length === 0,
    `${label}: none of the ${secrets.length} secret values in the state appears in plain text in the exported state, stack outputs, engine output and event log, this run's log, ConfigMaps or workload specs`,
    leaks.join("; ") || "the state holds no secret value",
  );
  return secrets;
}
