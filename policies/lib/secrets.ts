// The one judgement of no-plaintext-secrets: is this literal, under this name, a credential? Under
// any name, a known credential shape (URL or connection string with a password, PEM key, provider
// token, JWT...). Under a name that holds a credential (lib/secret-names.ts), any literal that could
// be one: words count (`POSTGRES_PASSWORD: example` is a password), numbers, durations, booleans,
// URLs without userinfo, paths and references do not. Under a name that is only about a credential
// (`SECRET_ROTATION_DAYS`, `passwordKey`), only a random-looking value. Never echo the value.

import { secretNameKind } from "./secret-names";
import { cannotBeCredential, credentialShape, looksRandom } from "./secret-values";

export { secretNameKind } from "./secret-names";
export { credentialShape, isReferenceValue } from "./secret-values";

export interface CredentialFinding {
  /** For the message: `a literal credential`, `a JWT`, `a URL with an inline password`... */
  what: string;
  /** Found by the value's shape (under any name) rather than by the name. */
  byShape: boolean;
}

/** Whether `value`, set under `name`, is a credential in plain text; undefined when it is not. */
export function literalCredential(name: string, value: string): CredentialFinding | undefined {
  const shape = credentialShape(value);
  if (shape) return { what: shape, byShape: true };
  return credentialByName(name, value);
}

/** literalCredential for a value already known to have no credential shape: what its name says. */
export function credentialByName(name: string, value: string): CredentialFinding | undefined {
  const kind = secretNameKind(name);
  if (kind === "none" || cannotBeCredential(value, kind === "holds")) return undefined;
  if (kind === "holds") return { what: "a literal credential", byShape: false };
  return looksRandom(value) ? { what: "a random-looking literal credential", byShape: false } : undefined;
}

export interface TextFinding {
  key: string;
  line: number;
  what: string;
}

const ASSIGNMENT = /^\s*(?:export\s+)?["']?([A-Za-z0-9_.-]+)["']?\s*[:=]\s*(.*)$/;

/**
 * Scans a configuration file (dotenv, YAML, INI...) for keys whose literal value is a credential by
 * name; credential shapes are the caller's to find in the whole text (one finding, not one per line).
 */
export function scanConfigText(text: string): TextFinding[] {
  const out: TextFinding[] = [];
  text.split("\n").forEach((line, i) => {
    const m = ASSIGNMENT.exec(line);
    if (!m) return;
    const key = m[1] ?? "";
    const value = (m[2] ?? "")
      .replace(/\s+#.*$/, "")
      .trim()
      .replace(/^["']|["']$/g, "");
    if (value === "" || value === "|" || value === ">") return;
    const found = literalCredential(key, value);
    if (found && !found.byShape) out.push({ key, line: i + 1, what: found.what });
  });
  return out;
}

const HIDDEN = "<redacted>";

/**
 * A command line as a message may show it: the program, flags and plain words, with what could be a
 * credential replaced by `<redacted>`: a flag's value (`-a <redacted>`, `--password=<redacted>`,
 * `NAME=<redacted>`) unless it cannot be one (a number, a URL without userinfo...), any
 * credential-shaped or random-looking word, and the rest of a short flag with a value attached
 * (`-p<redacted>`; up to three letters are taken for combined flags, `-sfL`). Reports must never print a credential found in the input.
 */
export function shownCommand(script: string): string {
  const parts = script.split(/\s+/).filter((w) => w !== "");
  const out: string[] = [];
  let flagValue = false;
  for (const [i, word] of parts.entries()) {
    const afterFlag = flagValue;
    flagValue = false;
    const assign = /^(-{0,2}[A-Za-z_][A-Za-z0-9_.-]*=)(.+)$/.exec(word);
    if (assign) {
      const value = assign[2] ?? "";
      const safe = cannotBeCredential(value) && !credentialShape(value);
      out.push(safe ? word : `${assign[1]}${HIDDEN}`);
      continue;
    }
    if (credentialShape(word) || looksRandom(word)) {
      out.push(HIDDEN);
      continue;
    }
    // `-pSecret`: a short flag with its value attached (`-sfL`, three letters or fewer, are flags).
    if (i > 0 && /^-[A-Za-z][^-]{3,}/.test(word)) {
      out.push(`${word.slice(0, 2)}${HIDDEN}`);
      continue;
    }
    if (i > 0 && /^--?[A-Za-z]/.test(word)) {
      out.push(word);
      flagValue = true;
      continue;
    }
    out.push(afterFlag && !cannotBeCredential(word.replace(/^["']|["']$/g, "")) ? HIDDEN : word);
  }
  return out.join(" ");
}
