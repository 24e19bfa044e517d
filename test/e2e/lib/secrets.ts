import { generatedSecretResourceName } from "../../../components/service/app-settings";
import { CONFIG_NAMESPACE } from "../../../infra/config/load";
import { SECRET_SIG_KEY as SECRET_SIG } from "../../../tools/pulumi-internals/secret-wire";
import { E2EError, tail } from "./proc";
import { type Engine, pulumiMayFail } from "./pulumi";

// Secrets stay secrets on the real engine. Every value the state holds as a Pulumi secret is read
// back once with `stack export --show-secrets` (the passphrase is the e2e's own), and none of them
// may then appear in plain text where a user, a CI log or a test job can read it: the state as
// exported, the stack outputs, the engine's output and event log, the cluster's ConfigMaps and
// pod specs, the ephemeral dotenv file. Only the resource a leaked value belongs to is ever
// printed, never the value.

/** Pulumi's marker for a secret value in state (sdk/go/common/resource/sig.Secret). */
/** Values shorter than this are not credentials (flags, ports, user names); generated ones are 24+. */
const MIN_LENGTH = 12;

export interface SecretValue {
  /** Whose value it is: the resource (URN) whose state holds it, or a service secret (service.NAME). */
  owner: string;
  value: string;
}

export interface Place {
  label: string;
  text: string;
}

function leaves(value: unknown, out: string[]): void {
  if (typeof value === "string") out.push(value);
  else if (Array.isArray(value)) for (const v of value) leaves(v, out);
  else if (value && typeof value === "object") for (const v of Object.values(value)) leaves(v, out);
}

/** The string leaves of every secret value under `node`. */
function collect(node: unknown, owner: string, out: SecretValue[]): void {
  if (Array.isArray(node)) {
    for (const v of node) collect(v, owner, out);
    return;
  }
  if (!node || typeof node !== "object") return;
  const obj = node as Record<string, unknown>;
  if (obj[SECRET_SIG] !== undefined && typeof obj.plaintext === "string") {
    const strings: string[] = [];
    leaves(JSON.parse(obj.plaintext) as unknown, strings);
    for (const s of strings) if (s.length >= MIN_LENGTH) out.push({ owner, value: s });
    return;
  }
  for (const v of Object.values(obj)) collect(v, owner, out);
}

/** What the secret search looks for in a stack. */
export interface StackSecrets {
  /** Every secret value of the state, by resource. */
  state: SecretValue[];
  /** The catalog's per-service secrets (stack config or generated), by service.NAME. */
  services: SecretValue[];
  /** Declared, required secrets of deployed services the search could not find a value for. */
  missing: string[];
}

export async function secretValues(
  engine: Engine,
  stack: string,
  cwd: string,
  declared: readonly DeclaredSecret[],
): Promise<StackSecrets> {
  // Neither logged nor in an error message: these outputs are decrypted.
  const quiet = { cwd, logFile: undefined };
  const r = await pulumiMayFail(engine, ["stack", "export", "--show-secrets", "--stack", stack], quiet);
  if (r.code !== 0) throw new E2EError(`pulumi stack export --show-secrets failed:\n${tail(r.stderr, 10)}`);
  const c = await pulumiMayFail(engine, ["config", "--json", "--show-secrets", "--stack", stack], quiet);
  if (c.code !== 0) throw new E2EError(`pulumi config --json --show-secrets failed:\n${tail(c.stderr, 10)}`);
  return {
    state: secretValuesIn(r.stdout),
    ...serviceSecretValues(declared, secretsConfigIn(c.stdout), r.stdout),
  };
}

/** A secret a catalog entry declares (components/service/spec: `secrets`). */
export interface DeclaredSecret {
  service: string;
  name: string;
  optional: boolean;
}

/** `platform:secrets` (service -> NAME -> value) of a `pulumi config --json --show-secrets` document. */
export function secretsConfigIn(configJson: string): Record<string, Record<string, unknown>> {
  const doc = JSON.parse(configJson) as Record<string, { value?: string; objectValue?: unknown }>;
  const entry = doc[`${CONFIG_NAMESPACE}:secrets`];
  if (!entry) return {};
  const value = entry.objectValue ?? (entry.value === undefined ? {} : (JSON.parse(entry.value) as unknown));
  return value && typeof value === "object" ? (value as Record<string, Record<string, unknown>>) : {};
}

const PHP_SERVICE = "platform:service:PhpService";
const RANDOM_PASSWORD = "random:index/randomPassword:RandomPassword";

/**
 * The value of each declared secret of the services the stack deploys: from the stack config
 * (`platform:secrets.<service>.<NAME>`) or, when generated, the result of its RandomPassword in
 * the decrypted state. A required secret with neither is `missing`, and so is a value too short
 * to search for: the search must not pass because it looked for nothing.
 */
export function serviceSecretValues(
  declared: readonly DeclaredSecret[],
  config: Record<string, Record<string, unknown>>,
  decryptedExport: string,
): Pick<StackSecrets, "services" | "missing"> {
  const doc = JSON.parse(decryptedExport) as {
    deployment?: { resources?: { urn: string; type: string; outputs?: Record<string, unknown> }[] };
  };
  const resources = doc.deployment?.resources ?? [];
  const nameOf = (urn: string) => urn.slice(urn.lastIndexOf("::") + 2);
  const deployed = new Set(resources.filter((r) => r.type === PHP_SERVICE).map((r) => nameOf(r.urn)));
  const services: SecretValue[] = [];
  const missing: string[] = [];
  for (const d of declared) {
    if (!deployed.has(d.service)) continue;
    const label = `${d.service}.${d.name}`;
    const configured = config[d.service]?.[d.name];
    const generated = resources.find(
      (r) => r.type === RANDOM_PASSWORD && nameOf(r.urn) === generatedSecretResourceName(d.service, d.name),
    );
    const strings: string[] = [];
    const result = generated?.outputs?.result as { plaintext?: string } | undefined;
    if (typeof configured === "string") {
      strings.push(configured);
      services.push({ owner: `${label} (stack config)`, value: configured });
    } else if (typeof result?.plaintext === "string") {
      const value = JSON.parse(result.plaintext) as unknown;
      if (typeof value === "string") {
        strings.push(value);
        services.push({ owner: `${label} (generated)`, value });
      }
    }
    if (strings.length === 0 && !d.optional)
      missing.push(`${label}: no value in the stack config or the state`);
    for (const s of strings)
      if (s.length < MIN_LENGTH) missing.push(`${label}: shorter than ${MIN_LENGTH} characters`);
  }
  return { services, missing };
}

/** The secret values of a `stack export --show-secrets` document, with their resources. */
export function secretValuesIn(exported: string): SecretValue[] {
  const doc = JSON.parse(exported) as { deployment?: { resources?: { urn: string }[] } };
  const out: SecretValue[] = [];
  for (const resource of doc.deployment?.resources ?? []) collect(resource, resource.urn, out);
  return out;
}

/**
 * One line per (resource, place) where a secret value of that resource appears in plain text,
 * with the text before it as context (every secret value in that context masked).
 */
export function findLeaks(secrets: readonly SecretValue[], places: readonly Place[]): string[] {
  const mask = (text: string) => secrets.reduce((t, s) => t.split(s.value).join("[secret]"), text);
  const leaks = new Map<string, string>();
  for (const place of places) {
    for (const s of secrets) {
      const at = place.text.indexOf(s.value);
      if (at < 0) continue;
      const where = `a secret of ${s.owner} (${s.value.length} characters) in ${place.label}`;
      if (!leaks.has(where)) {
        const before = place.text.slice(Math.max(0, at - 80), at).replace(/\s+/g, " ");
        leaks.set(where, `${where}, after "…${mask(before)}"`);
      }
    }
  }
  return [...leaks.values()];
}

/**
 * The engine's event log, one place per event type, so that a leak names the kind of event. The
 * engine's own debug diagnostics get a place of their own: the Node.js SDK (3.276.0) logs every
 * RegisterResource response, secret outputs in plain text included, at debug severity; the engine
 * shows those only with --debug or -v, but writes every one of them to an --event-log file.
 */
export function eventLogPlaces(text: string): { places: Place[]; engineDebug: Place } {
  const byType = new Map<string, string[]>();
  const debug: string[] = [];
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    const event = JSON.parse(line) as Record<string, unknown>;
    const diagnostic = event.diagnosticEvent as { severity?: string; urn?: string } | undefined;
    if (diagnostic?.severity === "debug" && !diagnostic.urn) {
      debug.push(line);
      continue;
    }
    const type = Object.keys(event).find((k) => k !== "sequence" && k !== "timestamp") ?? "unknown";
    byType.set(type, [...(byType.get(type) ?? []), line]);
  }
  return {
    places: [...byType].map(([type, lines]) => ({
      label: `the engine's event log (${type})`,
      text: lines.join("\n"),
    })),
    engineDebug: { label: "the engine's debug diagnostics in the event log", text: debug.join("\n") },
  };
}
