// Command lines of the CI templates as a shell reads them: words (quotes honoured), `$VAR` and
// `${VAR}` expanded from the template's own variables, and the arguments of `npm run <script> --`.

/** Splits a shell command line into words, honouring single and double quotes. */
export function words(line: string): string[] {
  const re = /"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g;
  return [...line.matchAll(re)].map((m) => m[1] ?? m[2] ?? m[3] ?? "");
}

/** Replaces `$NAME` and `${NAME}` by `vars[NAME]`; unknown names stay as written. */
export function expand(word: string, vars: Readonly<Record<string, string>>): string {
  return word.replace(/\$\{(\w+)\}|\$(\w+)/g, (all, a: string | undefined, b: string | undefined) => {
    const name = a ?? b ?? "";
    return name in vars ? (vars[name] as string) : all;
  });
}

export interface NpmCall {
  /** The shell line, as written. */
  line: string;
  /** The arguments after `--`, up to a pipe or redirection, as written. */
  argv: string[];
}

/** Every `npm run <script> -- ...` in a list of shell lines (multi-line blocks included). */
export function npmCalls(lines: readonly string[], script: string): NpmCall[] {
  return lines
    .flatMap((l) => l.split("\n"))
    .map((l) => l.trim())
    .flatMap((line) => {
      const w = words(line);
      if (w[0] !== "npm" || w[1] !== "run" || w[2] !== script || w[3] !== "--") return [];
      const rest = w.slice(4);
      const end = rest.findIndex((x) => ["|", ">", "2>&1", "||", "&&", ";"].includes(x));
      return [{ line, argv: end < 0 ? rest : rest.slice(0, end) }];
    });
}

/** argv with every word expanded, and unquoted `$VAR` words split on blanks as the shell does. */
export function expandArgv(
  argv: readonly string[],
  line: string,
  vars: Readonly<Record<string, string>>,
): string[] {
  return argv.flatMap((w) => {
    const value = expand(w, vars);
    const unquoted = new RegExp(`(^|\\s)\\$\\{?${w.replace(/^\$\{?|\}$/g, "")}\\}?(\\s|$)`).test(line);
    return /^\$\{?\w+\}?$/.test(w) && unquoted ? value.split(/\s+/).filter(Boolean) : [value];
  });
}
