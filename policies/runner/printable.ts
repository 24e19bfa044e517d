// Text from untrusted input, made safe to print. A report or an error line echoes names, keys, paths
// and values from the manifests of a merge request: raw, a newline or an ESC sequence in them would
// forge lines in a CI log (`::error ...` workflow commands, fake "OK" summaries, cleared screens), and
// a 60 MiB name would be echoed into every finding about it. So echoed text is escaped where it meets
// a terminal and bounded wherever a finding is recorded.

import { UNSAFE_CHARACTERS } from "../../components/errors/display";

/** @default 4,000 characters: a finding's message is a few hundred; names are at most 253. */
export const MAX_ECHOED_CHARS = 4000;

const escaped = (c: string) => {
  const code = c.charCodeAt(0);
  if (c === "\n") return "\\n";
  if (c === "\r") return "\\r";
  if (c === "\t") return "\\t";
  return code <= 0xff
    ? `\\x${code.toString(16).padStart(2, "0")}`
    : `\\u${code.toString(16).padStart(4, "0")}`;
};

/** At most `max` characters (a longer text ends with how much was left out), copied so it holds no larger string alive. */
export function bounded(text: string, max = MAX_ECHOED_CHARS): string {
  if (text.length <= max) return text;
  const head = text.slice(0, max);
  // A fresh flat copy: a slice of a large string may keep the whole of it in memory.
  return `${Buffer.from(head, "utf8").toString("utf8")}… (${(text.length - max).toLocaleString("en-US")} more characters)`;
}

/** One line for a terminal or a CI log: control and bidi characters escaped (`\x1b`, `\n`), bounded. */
export function printable(text: string, max = MAX_ECHOED_CHARS): string {
  const short = bounded(text, max);
  return short.replace(UNSAFE_CHARACTERS, escaped);
}
