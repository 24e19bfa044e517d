// What a variable or key name says about its value: it holds a credential (`DB_PASSWORD`,
// `SECRET_KEY_BASE`), it is only about one (`SECRET_ROTATION_DAYS`, `DB_PASSWORD_FILE`,
// `passwordKey`), or it has nothing to do with credentials. The value decides the rest
// (lib/secret-values.ts): a word under a holder name is a password; under an "about" name it is an
// enum, and only a random-looking value or a known credential shape is a finding there.

import { nameTokens } from "./env";

export type SecretNameKind =
  /** The value is the credential itself: DB_PASSWORD, APP_SECRET, GITHUB_TOKEN, API_KEY. */
  | "holds"
  /** A credential word describes the variable, not its content: SECRET_ROTATION_DAYS, TOKEN_TTL. */
  | "about"
  /** No credential word, or one that names something public: CLIENT_SECRET_NAME, ACCESS_KEY_ID. */
  | "none";

// Substrings that make a name credential-related on their own.
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
  "HTPASSWD",
];
// Whole tokens that are credential words (DB_PASS, MYSQL_PWD, WIFI_PSK); `PWD` alone is the
// working directory.
const WEAK_TOKENS = new Set(["PASS", "PWD", "PSK"]);

// `<qualifier>_KEY` holds a key: VAULT_ENC_KEY, PG_META_CRYPTO_KEY, APP_KEY (Laravel), FERNET_KEY.
const KEY_QUALIFIERS = new Set([
  "API",
  "APP",
  "AUTH",
  "CIPHER",
  "CLIENT",
  "CRYPT",
  "CRYPTO",
  "ENC",
  "ENCRYPTION",
  "FERNET",
  "HMAC",
  "JWT",
  "LICENSE",
  "MASTER",
  "OTP",
  "PRIVATE",
  "SECRET",
  "SESSION",
  "SHARED",
  "SIGNING",
  "WEBHOOK",
]);

// A last token that makes the name hold the credential itself.
const HOLDER_LAST = new Set([
  "PASSWORD",
  "PASSWORDS",
  "PASSWD",
  "PASS",
  "PWD",
  "PSK",
  "PASSPHRASE",
  "SECRET",
  "SECRETS",
  "TOKEN",
  "TOKENS",
  "APIKEY",
  "ACCESSKEY",
  "PRIVATEKEY",
  "CREDENTIAL",
  "CREDENTIALS",
  "HTPASSWD",
  "SALT",
  "PEPPER",
]);

// Last tokens that name something public about a credential: who, which one, where to ask for it.
// Such values are random-looking often (key ids, client ids) and judged by their shape only.
const PUBLIC_LAST = new Set([
  "NAME",
  "NAMES",
  "ID",
  "IDS",
  "URL",
  "URI",
  "ENDPOINT",
  "HOST",
  "PORT",
  "SCHEME",
  "USER",
  "USERNAME",
  "LOGIN",
  "ISSUER",
  "AUDIENCE",
  "REGION",
  "LABEL",
]);

// Last tokens after which a credential word is only the subject: where the credential is kept, how
// it behaves, or a number about it. A value under such a name is a finding only when it looks
// generated (random) or has a credential shape.
const DESCRIPTOR_LAST = new Set([
  // where it is kept
  "FILE",
  "FILES",
  "PATH",
  "DIR",
  "REF",
  "MOUNT",
  "SOURCE",
  "LOCATION",
  "VAULT",
  "STORE",
  "STORAGE",
  "BACKEND",
  "PROVIDER",
  "CMD",
  "COMMAND",
  "ENV",
  // how it behaves
  "TYPE",
  "KIND",
  "MODE",
  "ALGORITHM",
  "ALG",
  "FORMAT",
  "ENCODING",
  "POLICY",
  "STRATEGY",
  "METHOD",
  "HANDLER",
  "HASHER",
  "HEADER",
  "PREFIX",
  "SUFFIX",
  "SCOPE",
  "SCOPES",
  "FIELD",
  "PARAM",
  "TABLE",
  "COLUMN",
  "KEYS",
  "COOKIE",
  "CACHE",
  "VERSION",
  "RULES",
  "REQUIRED",
  "ENABLED",
  "DISABLED",
  "ENABLE",
  "DISABLE",
  "ALLOWED",
  // numbers about it
  "TTL",
  "LIFETIME",
  "EXPIRY",
  "EXPIRE",
  "EXPIRES",
  "EXPIRATION",
  "EXP",
  "AGE",
  "ROTATION",
  "INTERVAL",
  "TIMEOUT",
  "PERIOD",
  "DURATION",
  "DAYS",
  "HOURS",
  "MINUTES",
  "SECONDS",
  "MS",
  "SECS",
  "LENGTH",
  "LEN",
  "SIZE",
  "BITS",
  "COST",
  "ROUNDS",
  "ITERATIONS",
  "STRENGTH",
  "MIN",
  "MAX",
  "COUNT",
  "ATTEMPTS",
  "RETRIES",
  "RATE",
  "LIMIT",
  "THRESHOLD",
]);

// Tokens that make the whole name a reference to a secret kept elsewhere (Helm's existingSecret).
const POINTER_TOKENS = new Set(["EXISTING", "REF", "REFS"]);
// Names that are switches about credentials, whatever their last token: ALLOW_EMPTY_PASSWORD,
// MYSQL_RANDOM_ROOT_PASSWORD, PHPMYADMIN_ALLOW_NO_PASSWORD.
const SWITCH_TOKENS = new Set(["ALLOW", "RANDOM", "GENERATE", "SKIP", "NO", "EMPTY", "ENABLE", "DISABLE"]);
// Names that count credentials or other tokens: MAX_TOKENS (an LLM setting), NUM_SECRETS.
const QUANTITY_TOKENS = new Set(["MAX", "MIN", "NUM", "NUMBER", "COUNT", "TOTAL"]);

function upperName(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .toUpperCase()
    .replace(/[-.]/g, "_")
    .replace(/_+/g, "_")
    .replace(/TOKENI[SZ]/g, "TOKNIZ"); // tokenizer, tokenization: not tokens
}

function mentionsCredential(upper: string, tokens: string[]): boolean {
  if (STRONG.some((s) => upper.includes(s))) return true;
  if (upper === "PWD") return false;
  return tokens.some(
    (t, i) => WEAK_TOKENS.has(t) || (t === "KEY" && KEY_QUALIFIERS.has(tokens[i - 1] ?? "")),
  );
}

// Names repeat across a stack's containers and ConfigMaps: judged once each (bounded).
const kindCache = new Map<string, SecretNameKind>();

/** Whether a name holds a credential, is only about one, or neither. */
export function secretNameKind(name: string): SecretNameKind {
  const hit = kindCache.get(name);
  if (hit !== undefined) return hit;
  const kind = judgeName(name);
  if (kindCache.size >= 20_000) kindCache.clear();
  kindCache.set(name, kind);
  return kind;
}

function judgeName(name: string): SecretNameKind {
  const upper = upperName(name);
  const tokens = nameTokens(upper);
  if (!mentionsCredential(upper, tokens)) return "none";
  const last = tokens[tokens.length - 1] ?? "";
  const beforeLast = tokens[tokens.length - 2] ?? "";
  if (PUBLIC_LAST.has(last)) return "none";
  if (DESCRIPTOR_LAST.has(last)) return "about";
  if (tokens.some((t) => POINTER_TOKENS.has(t) || SWITCH_TOKENS.has(t) || QUANTITY_TOKENS.has(t)))
    return "about";
  if (HOLDER_LAST.has(last)) return "holds";
  // `passwordKey`, `adminPasswordKey`: the key under which a Secret holds the password (SECRET_KEY
  // and API_KEY hold one).
  if (last === "KEY") return ["PASSWORD", "PASSWD", "TOKEN"].includes(beforeLast) ? "about" : "holds";
  // Rails' SECRET_KEY_BASE, GitLab's *_KEY_BASE; STRING of a CONNECTION_STRING; BASIC_AUTH=user:pw.
  if (last === "BASE" && beforeLast === "KEY") return "holds";
  if (last === "STRING" && beforeLast === "CONNECTION") return "holds";
  if (last === "AUTH" && beforeLast === "BASIC") return "holds";
  return "about";
}
