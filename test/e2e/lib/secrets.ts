import { E2EError, tail } from "./proc";
import { type Engine, pulumiMayFail } from "./pulumi";
import { ROOT } from "./toolchain";

// Secrets stay secrets on the real engine. Every value the state holds as a Pulumi secret is read
// back once with `stack export --show-secrets` (the passphrase is the e2e's own), and none of them
// may then appear in plain text where a user, a CI log or a test job can read it: the state as
// exported, the stack outputs, the engine's output and event log, the cluster's ConfigMaps and
// pod specs, the ephemeral dotenv file. Only the resource a leaked value belongs to is ever
// printed, never the value.

/** Pulumi's marker for a secret value in state (sdk/go/common/resource/sig.Secret). */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";
/** Values shorter than this are not credentials (flags, ports, user names); generated ones are 24+. */
const MIN_LENGTH = 12;

export interface SecretValue {
  /** The resource whose state holds it. */
  urn: string;
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
function collect(node: unknown, urn: string, out: SecretValue[]): void {
  if (Array.isArray(node)) {
    for (const v of node) collect(v, urn, out);
    return;
  }
  if (!node || typeof node !== "object") return;
  const obj = node as Record<string, unknown>;
  if (obj[SECRET_SIG] !== undefined && typeof obj.plaintext === "string") {
    const strings: string[] = [];
    leaves(JSON.parse(obj.plaintext) as unknown, strings);
    for (const s of strings) if (s.length >= MIN_LENGTH) out.push({ urn, value: s });
    return;
  }
  for (const v of Object.values(obj)) collect(v, urn, out);
}

export async function secretValues(engine: Engine, stack: string, cwd = ROOT): Promise<SecretValue[]> {
  // Neither logged nor in an error message: this output is the decrypted state.
  const r = await pulumiMayFail(engine, ["stack", "export", "--show-secrets", "--stack", stack], {
    cwd,
    logFile: undefined,
  });
  if (r.code !== 0) throw new E2EError(`pulumi stack export --show-secrets failed:\n${tail(r.stderr, 10)}`);
  return secretValuesIn(r.stdout);
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
      const where = `a secret of ${s.urn} (${s.value.length} characters) in ${place.label}`;
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
