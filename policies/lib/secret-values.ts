// What a literal value can be: a reference to a secret kept elsewhere, a value that cannot be a
// credential (a number, a duration, a boolean, a URL without userinfo, a file path), a random-looking
// token, or a well-known credential shape (a URL with a password, a PEM key, a GitHub token...).
// Never return or print the value itself.

/** Values that point elsewhere or stand for nothing: empty, `${X}`, `$(X)`, `%env(X)%`, paths, vault refs. */
export function isReferenceValue(value: string): boolean {
  const v = value.trim();
  if (v === "") return true;
  if (/^(null|none|nil|~|undefined)$/i.test(v)) return true;
  if (/^\$\{[^}]*\}$|^\$\([^)]*\)$|^\$[A-Za-z_][A-Za-z0-9_]*$/.test(v)) return true; // ${X}, $(X), $X
  if (/^%env\([^)]*\)%$/.test(v)) return true; // Symfony
  if (/^\{\{.*\}\}$/.test(v)) return true; // templating
  if (/^<[^<>]*>$/.test(v)) return true; // documentation placeholder
  if (isFilePath(v)) return true; // a mounted file
  return /^(vault:|secret:|secretref:|akv:|azurekeyvault:|keyvault:|sm:|ref\+|arn:aws:secretsmanager:|@Microsoft\.KeyVault\()/i.test(
    v,
  );
}

function isFilePath(v: string): boolean {
  return /^(\/|\.{1,2}\/|~\/|file:\/\/|%kernel\.project_dir%)[^\s]*$/.test(v);
}

const BOOLEAN = /^(true|false|yes|no|on|off|y|n|enabled|disabled)$/i;
const NUMBER = /^[+-]?\d+(\.\d+)?$/;
// 30s, 5m, 1h, 1m30s, 7d, 2w, 500ms, and sizes: 2G, 512Mi.
const DURATION_OR_SIZE = /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h|d|w|y))+$|^\d+(\.\d+)?([KMGTPE]i?|[kmgtpe])[bB]?$/;
const EMAIL = /^[^\s@:/]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$/;
// A URL with no user:password@ and no secret-looking query parameter.
const URL_WITHOUT_SECRET = /^[a-z][a-z0-9+.-]*:\/\/[^\s@]*$/i;
const SECRET_QUERY =
  /[?&](password|passwd|pwd|secret|token|key|sig|signature|access_token|api_key|apikey)=([^&#\s]{6,})/gi;

/**
 * Literals that cannot be a credential: booleans, numbers, durations and sizes, e-mail addresses,
 * URLs without userinfo or secret query parameters, file paths and references. Under a name that
 * holds a credential, a PIN-like number of 3 or more digits is a password (`MYSQL_ROOT_PASSWORD: 123`
 * in a real compose file); 0, 1 or 42 there are switches or counts.
 */
export function cannotBeCredential(value: string, holderName = false): boolean {
  const v = value.trim();
  if (isReferenceValue(v) || BOOLEAN.test(v) || DURATION_OR_SIZE.test(v) || EMAIL.test(v)) return true;
  if (NUMBER.test(v)) return !(holderName && /^\d{3,}$/.test(v));
  return URL_WITHOUT_SECRET.test(v) && !secretQueryParameter(v);
}

function secretQueryParameter(v: string): boolean {
  SECRET_QUERY.lastIndex = 0;
  for (let m = SECRET_QUERY.exec(v); m; m = SECRET_QUERY.exec(v)) {
    if (isLiteralPassword(decodeURIComponentSafe(m[2] ?? ""))) return true;
  }
  return false;
}

function decodeURIComponentSafe(v: string): string {
  try {
    return decodeURIComponent(v);
  } catch {
    return v;
  }
}

/** Shannon entropy of a string, in bits per character. */
function entropy(v: string): number {
  const counts = new Map<string, number>();
  for (const c of v) counts.set(c, (counts.get(c) ?? 0) + 1);
  let bits = 0;
  for (const n of counts.values()) {
    const p = n / v.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

/**
 * A generated secret rather than a word: 16+ characters without spaces, mixing character classes
 * (or hex of 32+), with high entropy; lower-case words joined by `-`, `_` or `.` are not random.
 */
export function looksRandom(value: string): boolean {
  const v = value.trim();
  if (v.length < 16 || /\s/.test(v) || cannotBeCredential(v)) return false;
  if (/^[a-z]+([-_.][a-z0-9]+)*$/.test(v) || /^urn:/i.test(v)) return false;
  if (/^[0-9a-f]{32,}$/i.test(v)) return true;
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((re) => re.test(v)).length;
  return classes >= 3 && entropy(v) >= 3.5;
}

const SHAPES: Array<[RegExp, string]> = [
  [/-----BEGIN [A-Z ]*PRIVATE KEY( BLOCK)?-----/, "a PEM private key"],
  [/\b(gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{22,})/, "a GitHub token"],
  [/\bgl(pat|ptt|dt|rt|cbt|oas)-[A-Za-z0-9_-]{20,}/, "a GitLab token"],
  [/\bxox[abposr]-[A-Za-z0-9-]{10,}|\bxapp-\d-[A-Za-z0-9-]{10,}/, "a Slack token"],
  [/\b(AKIA|ASIA)[0-9A-Z]{16}\b/, "an AWS access key id"],
  [/\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/, "a JWT"],
  [/AccountKey=[A-Za-z0-9+/=]{20,}/, "an Azure storage account key"],
  [/SharedAccessKey=[^;\s]{16,}/, "an Azure shared access key"],
  [/[?&]sig=[A-Za-z0-9%+/=]{20,}/, "an Azure SAS signature"],
  [/\b[sr]k_live_[A-Za-z0-9]{20,}/, "a Stripe live key"],
  [/\b[sr]k_test_[A-Za-z0-9]{20,}/, "a Stripe test key"],
  [/\bsk-(proj-|svcacct-|ant-api\d\d-)?[A-Za-z0-9_-]{32,}/, "an OpenAI/Anthropic API key"],
  [/\bAIza[0-9A-Za-z_-]{35}\b/, "a Google API key"],
  [/\bnpm_[A-Za-z0-9]{36}\b/, "an npm token"],
  [/\bhvs\.[A-Za-z0-9_-]{24,}/, "a HashiCorp Vault token"],
  [/\bdckr_pat_[A-Za-z0-9_-]{20,}/, "a Docker Hub token"],
  [/\bdop_v1_[a-f0-9]{64}\b/, "a DigitalOcean token"],
  [/\bshp(at|ss|ca|pa)_[a-fA-F0-9]{32}\b/, "a Shopify token"],
  [/\bpypi-AgE[A-Za-z0-9_-]{50,}/, "a PyPI token"],
  [/\bAGE-SECRET-KEY-1[0-9A-Z]{58}\b/, "an age secret key"],
  [/\bSG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{20,}/, "a SendGrid key"],
  [/hooks\.slack\.com\/services\/T[A-Z0-9]+\/B[A-Z0-9]+\/[A-Za-z0-9]+/, "a Slack webhook URL"],
  [/\$(2[abxy]|apr1)\$(\d\d\$)?[./A-Za-z0-9]{22,}/, "a password hash (bcrypt/htpasswd)"],
  [/\bAuthorization:\s*(Bearer|Basic)\s+[A-Za-z0-9+/=._-]{16,}/i, "an Authorization header"],
];

/**
 * The case-sensitive shapes in one alternation: most values match none, and one pass over them is
 * cheaper than a pass per shape (the list is then walked, in order, only for a value that matches).
 * A shape with flags (`i`) is always tested on its own: inline modifiers `(?i:...)` need Node 23+, and
 * the pack also runs on the Node of whoever runs `pulumi preview`.
 */
const ANY_PLAIN_SHAPE = new RegExp(
  SHAPES.filter(([re]) => re.flags === "")
    .map(([re]) => `(?:${re.source})`)
    .join("|"),
);

function mayHaveShape(value: string): boolean {
  return ANY_PLAIN_SHAPE.test(value) || SHAPES.some(([re]) => re.flags !== "" && re.test(value));
}

const URL_WITH_PASSWORD = /\b[a-z][a-z0-9+.-]*:\/\/([^\s:@/]*):([^\s@/]+)@/gi;
// Key/value connection strings: ADO.NET/JDBC `...;Password=x;`, libpq `host=db password=x`, and a
// password query parameter.
const KV_PASSWORD = /(?:^|[;?& \t])(?:password|pwd|passwd)\s*=\s*([^;&\s"']+)/gi;

function isLiteralPassword(password: string): boolean {
  return !isReferenceValue(password) && !/^\$|^%env\(|^\*+$|^x+$/i.test(password);
}

/** Describes the credential shape found in a value (a URL with a password, a PEM key...). */
export function credentialShape(value: string): string | undefined {
  URL_WITH_PASSWORD.lastIndex = 0;
  for (let m = URL_WITH_PASSWORD.exec(value); m; m = URL_WITH_PASSWORD.exec(value)) {
    if (isLiteralPassword(m[2] ?? "")) return "a URL with an inline password";
  }
  if (value.includes(";") || /\bhost=|\buser=/i.test(value)) {
    KV_PASSWORD.lastIndex = 0;
    for (let m = KV_PASSWORD.exec(value); m; m = KV_PASSWORD.exec(value)) {
      if (isLiteralPassword(m[1] ?? "")) return "a connection string with a password";
    }
  }
  if (mayHaveShape(value)) for (const [re, what] of SHAPES) if (re.test(value)) return what;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value.trim()) && secretQueryParameter(value))
    return "a URL with a credential in its query string";
  return undefined;
}
