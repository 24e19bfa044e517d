// Credential heuristics: secret-looking names, values that merely point elsewhere, and well-known
// credential shapes. Never return or print the value itself.

import { nameTokens } from "./env";

// Substrings that make a name secret-like on their own.
const STRONG = [
  "PASSWORD",
  "PASSWD",
  "PASSPHRASE",
  "SECRET",
  "TOKEN",
  "APIKEY",
  "API_KEY",
  "PRIVATE_KEY",
  "PRIVATEKEY",
  "CREDENTIAL",
  "ACCESS_KEY",
  "ACCESSKEY",
  "ACCOUNT_KEY",
  "ACCOUNTKEY",
  "SIGNING_KEY",
  "ENCRYPTION_KEY",
  "MASTER_KEY",
  "AUTH_KEY",
  "CONNECTION_STRING",
  "CONNECTIONSTRING",
  "BASIC_AUTH",
];
// Whole tokens that are secret-like (DB_PASS, MYSQL_PWD); `PWD` alone is the working directory.
const WEAK_TOKENS = new Set(["PASS", "PWD", "PSK"]);

// A last token that says the variable points elsewhere or describes the secret, not holds it.
const POINTER_SUFFIX = new Set([
  "NAME",
  "NAMES",
  "FILE",
  "FILES",
  "PATH",
  "DIR",
  "REF",
  "ID",
  "URL",
  "URI",
  "ENDPOINT",
  "HOST",
  "PORT",
  "SCHEME",
  "USER",
  "USERNAME",
  "LOGIN",
  "TTL",
  "LIFETIME",
  "EXPIRY",
  "EXPIRES",
  "EXPIRATION",
  "LENGTH",
  "SIZE",
  "ALGORITHM",
  "ALG",
  "TYPE",
  "MODE",
  "ENABLED",
  "DISABLED",
  "PREFIX",
  "SUFFIX",
  "HEADER",
  "ISSUER",
  "AUDIENCE",
  "SCOPE",
  "SCOPES",
  "PROVIDER",
  "METHOD",
  "VERSION",
  "TIMEOUT",
  "FORMAT",
  "POLICY",
  "REGION",
  "FIELD",
  "PARAM",
  "TABLE",
  "COLUMN",
  "MOUNT",
  "SOURCE",
  "KEYS",
  "STRATEGY",
  "HANDLER",
  "STORAGE",
  "COOKIE",
  "VAULT",
  "HASHER",
  "COST",
  "ROUNDS",
  "RULES",
  "MIN",
  "MAX",
  "REQUIRED",
  "STRENGTH",
  "RATE",
  "LIMIT",
  "INTERVAL",
  "CACHE",
]);

// Tokens that make the whole name a reference to a secret kept elsewhere (Helm's existingSecret...).
const POINTER_TOKENS = new Set(["EXISTING", "REF", "REFS"]);

export function isSecretName(name: string): boolean {
  const upper = name
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .toUpperCase()
    .replace(/[-.]/g, "_")
    .replace(/_+/g, "_")
    .replace(/TOKENI[SZ]/g, "TOKNIZ"); // tokenizer, tokenization: not tokens
  const tokens = nameTokens(name);
  const last = tokens[tokens.length - 1];
  if (last !== undefined && POINTER_SUFFIX.has(last)) return false;
  if (tokens.some((t) => POINTER_TOKENS.has(t))) return false;
  // `passwordKey`, `adminPasswordKey`: the key under which a Secret holds the password (SECRET_KEY
  // and API_KEY stay secrets).
  const beforeLast = tokens[tokens.length - 2];
  if (last === "KEY" && beforeLast !== undefined && ["PASSWORD", "PASSWD", "TOKEN"].includes(beforeLast))
    return false;
  if (STRONG.some((s) => upper.includes(s))) return true;
  if (upper === "PWD") return false;
  return tokens.some((t) => WEAK_TOKENS.has(t));
}

/** Values that are not a credential: empty, placeholders, references, booleans, mounted-file paths. */
export function isReferenceValue(value: string): boolean {
  const v = value.trim();
  if (v === "") return true;
  if (/^(true|false|null|none|~|yes|no)$/i.test(v)) return true;
  // The name of a key inside a Secret (Helm's `passwordKey: password`), not a credential.
  if (/^(password|passwd|secret|token|key|api[-_]?key|client[-_]?secret|access[-_]?key)$/i.test(v))
    return true;
  if (/^\$\{[^}]*\}$|^\$\([^)]*\)$|^\$[A-Za-z_][A-Za-z0-9_]*$/.test(v)) return true; // ${X}, $(X), $X
  if (/^%env\([^)]*\)%$/.test(v)) return true; // Symfony
  if (/^\{\{.*\}\}$/.test(v)) return true; // templating
  if (/^<[^<>]*>$/.test(v)) return true; // documentation placeholder
  if (/^(\/|file:\/\/|%kernel\.project_dir%)[^\s]*$/.test(v)) return true; // a mounted file
  if (
    /^(vault:|secret:|secretref:|akv:|azurekeyvault:|keyvault:|sm:|ref\+|arn:aws:secretsmanager:|@Microsoft\.KeyVault\()/i.test(
      v,
    )
  ) {
    return true;
  }
  return false;
}

const SHAPES: Array<[RegExp, string]> = [
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----/, "a PEM private key"],
  [/\b(gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{22,})/, "a GitHub token"],
  [/\bglpat-[A-Za-z0-9_-]{20,}/, "a GitLab token"],
  [/\bxox[abposr]-[A-Za-z0-9-]{10,}/, "a Slack token"],
  [/\b(AKIA|ASIA)[0-9A-Z]{16}\b/, "an AWS access key id"],
  [/\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/, "a JWT"],
  [/AccountKey=[A-Za-z0-9+/=]{20,}/, "an Azure storage account key"],
  [/SharedAccessKey=[^;\s]{16,}/, "an Azure shared access key"],
  [/[?&]sig=[A-Za-z0-9%+/=]{20,}/, "an Azure SAS signature"],
  [/\b[sr]k_live_[A-Za-z0-9]{20,}/, "a Stripe live key"],
  [/\bAIza[0-9A-Za-z_-]{35}\b/, "a Google API key"],
  [/\bnpm_[A-Za-z0-9]{36}\b/, "an npm token"],
  [/\bSG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{20,}/, "a SendGrid key"],
  [/hooks\.slack\.com\/services\/T[A-Z0-9]+\/B[A-Z0-9]+\/[A-Za-z0-9]+/, "a Slack webhook URL"],
];

const URL_WITH_PASSWORD = /\b[a-z][a-z0-9+.-]*:\/\/([^\s:@/]*):([^\s@/]+)@/gi;

/** Describes the credential shape found in a value (a URL with a password, a PEM key...). */
export function credentialShape(value: string): string | undefined {
  URL_WITH_PASSWORD.lastIndex = 0;
  for (let m = URL_WITH_PASSWORD.exec(value); m; m = URL_WITH_PASSWORD.exec(value)) {
    const password = m[2] ?? "";
    if (!isReferenceValue(password) && !/^\$|^%env\(|^\*+$|^x+$/i.test(password))
      return "a URL with an inline password";
  }
  for (const [re, what] of SHAPES) if (re.test(value)) return what;
  return undefined;
}

export interface TextFinding {
  key: string;
  line: number;
  what: string;
}

const ASSIGNMENT = /^\s*(?:export\s+)?["']?([A-Za-z0-9_.-]+)["']?\s*[:=]\s*(.*)$/;

/** Scans a configuration file (dotenv, YAML, INI...) for secret-looking keys with literal values. */
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
    if (isSecretName(key) && !isReferenceValue(value))
      out.push({ key, line: i + 1, what: "a literal credential" });
  });
  return out;
}
