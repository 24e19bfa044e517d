// Text that came from a user's file (keys, values, names) is shown in terminals and CI logs. It is
// escaped so it cannot move the cursor, colour the log or start a new, forged line, and cut so a
// 2 MB value does not bury the message.

/**
 * C0 and C1 controls (newline, CR, ESC, the 8-bit CSI U+009B ...), DEL, the line and paragraph
 * separators, the bidirectional marks and overrides that reorder what a reader sees (Trojan Source)
 * and the BOM: what untrusted text must not carry into a terminal or a CI log. Also used by the
 * policy CLI's reports (policies/runner/printable.ts).
 */
export const UNSAFE_CHARACTERS =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
  /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069\ufeff]/g;

const NAMED: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t", "\u001b": "\\e" };

/** Characters of a value shown in a message before it is cut. */
export const SHOWN_VALUE_LENGTH = 80;

/** `s` with every unsafe character escaped (`\n`, `\e`, `\u{9b}`), cut to `max` characters. */
export function displayText(s: string, max = 500): string {
  const cut = s.length > max ? s.slice(0, max) : s;
  const escaped = cut.replace(
    UNSAFE_CHARACTERS,
    (c) => NAMED[c] ?? `\\u{${(c.codePointAt(0) ?? 0).toString(16)}}`,
  );
  return s.length > max ? `${escaped}… (${s.length.toLocaleString("en")} characters)` : escaped;
}

/** A value as it appears in a message: JSON (strings quoted), escaped and cut. */
export function displayValue(value: unknown, max = SHOWN_VALUE_LENGTH): string {
  if (typeof value === "string" && value.length > max) {
    return `${displayText(JSON.stringify(value.slice(0, max)), max * 6 + 2)}… (${value.length.toLocaleString("en")} characters)`;
  }
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch {
    json = undefined;
  }
  return displayText(json ?? String(value), max);
}
