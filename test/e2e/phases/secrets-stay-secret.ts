import { readFileSync } from "node:fs";
import { loadCatalog } from "../../../infra/catalog/load";
import { kubectl } from "../lib/cluster";
import { pulumi } from "../lib/pulumi";
import {
  type DeclaredSecret,
  eventLogPlaces,
  findLeaks,
  type Place,
  type SecretValue,
  type StackSecrets,
  secretValues,
} from "../lib/secrets";
import type { Environment } from "../lib/setup";
import { ROOT } from "../lib/toolchain";
import type { LocalStack, Run } from "./context";

// No secret value appears in plain text in the given places, the stack outputs, this run's log,
// or the stack's ConfigMaps and workload specs in the cluster. The values searched for: every
// value the state holds as a secret, each per-service secret the catalog declares (from the
// stack config, or generated such as APP_SECRET), and any the caller adds (a value it set and
// replaced since). Shared by the local stack's updates and the ephemeral stacks.

/** The secrets every catalog entry declares. */
export function declaredSecrets(): DeclaredSecret[] {
  return loadCatalog().services.flatMap((s) =>
    (s.secrets ?? []).map((d) => ({ service: s.name, name: d.name, optional: d.optional === true })),
  );
}

export interface SecretSearch {
  /** Prefix of the checks' descriptions. */
  label: string;
  stack: string;
  /** Where the stack's project is. */
  cwd: string;
  /** The stack's namespaces: their ConfigMaps and workload specs are searched. */
  namespaces: readonly string[];
  /** Where else to search (the exported state, the engine's output and event log...). */
  places: Place[];
  /**
   * The event log's engine-level debug diagnostics: searched and reported, not failed (the
   * Node.js SDK logs RegisterResource responses there; see eventLogPlaces).
   */
  engineDebug?: Place;
  /** More values to search for (a value set and replaced since: no longer in the state). */
  extra?: readonly SecretValue[];
}

export async function verifySecretsStaySecret(
  run: Run,
  { engine, cluster }: Pick<Environment, "engine" | "cluster">,
  { label, stack, cwd, namespaces, places, engineDebug, extra = [] }: SecretSearch,
): Promise<StackSecrets> {
  const found = await secretValues(engine, stack, cwd, declaredSecrets());
  const secrets = [...found.state, ...found.services, ...extra];
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
  run.checks.that(
    found.services.length > 0 && found.missing.length === 0,
    `${label}: the search covers the ${found.services.length} per-service secrets the catalog declares for this stack (${found.services.map((s) => s.owner).join(", ")})`,
    found.missing.join("; ") || "no service secret found",
  );
  const leaks = findLeaks(secrets, [
    ...places,
    { label: "the stack outputs", text: outputs.stdout },
    { label: "this run's log", text: readFileSync(run.logFile, "utf8") },
    ...inCluster,
  ]);
  run.checks.that(
    found.state.length > 0 && leaks.length === 0,
    `${label}: none of the ${found.state.length} secret values in the state, the ${found.services.length} service secrets${extra.length > 0 ? ` and ${extra.length} more (${extra.map((s) => s.owner).join(", ")})` : ""} appears in plain text in ${[...new Set(places.map((p) => p.label.replace(/ \(.*\)$/, "")))].join(", ")}, the stack outputs, this run's log, ConfigMaps or workload specs`,
    leaks.join("; ") || "the state holds no secret value",
  );
  if (engineDebug) {
    // Upstream, not ours: reported, so that the day it is fixed shows here.
    const exposed = new Set(secrets.filter((s) => engineDebug.text.includes(s.value)).map((s) => s.owner));
    const named = [...found.services, ...extra].filter((s) => exposed.has(s.owner)).map((s) => s.owner);
    run.log(
      exposed.size > 0
        ? `${label}: known upstream exposure: secret values of ${exposed.size} resources or service secrets (among them ${named.join(", ") || "no service secret"}) appear in the engine's debug diagnostics (the Node.js SDK logs RegisterResource responses at debug level); they reach only --event-log files and --debug output, which CI must never publish`
        : `${label}: the engine's debug diagnostics hold no secret value (the upstream exposure is gone)`,
    );
  }
  return found;
}

/** After an update of the local stack: its exported state, the update's output, its stack file and event log. */
export interface LocalStackUpdate {
  label: string;
  namespaces: readonly string[];
  exportedState: string;
  output: string;
  /** The update's `--event-log` file. */
  events: string;
}

/** verifySecretsStaySecret over what an update of the local stack leaves behind. */
export function verifyLocalStackSecrets(
  run: Run,
  env: Pick<Environment, "engine" | "cluster">,
  stack: LocalStack,
  u: LocalStackUpdate,
): Promise<StackSecrets> {
  const eventLog = eventLogPlaces(readFileSync(u.events, "utf8"));
  return verifySecretsStaySecret(run, env, {
    label: u.label,
    stack: stack.name,
    cwd: ROOT,
    namespaces: u.namespaces,
    places: [
      { label: "the exported state", text: u.exportedState },
      { label: "the output of pulumi up", text: u.output },
      { label: "the stack config file", text: readFileSync(stack.file, "utf8") },
      ...eventLog.places,
    ],
    engineDebug: eventLog.engineDebug,
    extra: stack.secretsSet,
  });
}
