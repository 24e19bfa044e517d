// One answer to "is this a credential?" for the image audit, with the pack's own heuristics
// (policies/lib/secrets.ts): the same names, references and shapes as `no-plaintext-secrets`, so a
// value the pack accepts in a manifest is accepted in an image and the other way round.

import { literalCredential } from "../lib/secrets";

// Placeholders that recipes ship on purpose (Symfony's `.env` has `!ChangeMe!` in DATABASE_URL).
const PLACEHOLDER = /^!?change[-_ ]?(me|this|it)!?$|^x{3,}$|^\*{3,}$|^<[^<>]*>$/i;
const URL_PASSWORD = /\b[a-z][a-z0-9+.-]*:\/\/[^\s:@/]*:([^\s@/]+)@/gi;

function onlyPlaceholderPasswords(value: string): boolean {
  const passwords = [...value.matchAll(URL_PASSWORD)].map((m) => m[1] ?? "");
  return passwords.length > 0 && passwords.every((p) => PLACEHOLDER.test(decodeURIComponent(p)));
}

/** What credential `name=value` holds ("a literal credential", "a GitHub token"...), if any. */
export function credentialIn(name: string, value: string): string | undefined {
  const v = value.trim();
  if (PLACEHOLDER.test(v)) return undefined;
  const found = literalCredential(name, v);
  if (found?.what === "a URL with an inline password" && onlyPlaceholderPasswords(v)) return undefined;
  return found?.what;
}
