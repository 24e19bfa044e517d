import { type ParseArgsConfig, parseArgs } from "node:util";
import { displayValue } from "../../components/errors/display";

// node:util's parseArgs keeps the last of a single-valued option given twice (`--stack prod
// --stack local` plans local): a CI line that sets an option and a variable that sets it again
// would run silently against the wrong target. Every command line of the platform refuses it.

type Options = NonNullable<ParseArgsConfig["options"]>;

/** Throws naming the first single-valued option given more than once, and its values. */
export function refuseRepeatedOptions(argv: readonly string[], options: Options): void {
  const { tokens } = parseArgs({
    args: [...argv],
    options,
    strict: false,
    tokens: true,
    allowPositionals: true,
  });
  const seen = new Map<string, string[]>();
  for (const token of tokens ?? []) {
    if (token.kind !== "option" || options[token.name]?.multiple) continue;
    const values = [...(seen.get(token.name) ?? []), token.value ?? "(set)"];
    seen.set(token.name, values);
    if (values.length > 1) {
      throw new Error(
        `--${token.name} is given ${values.length} times (${values.map((v) => displayValue(v, 40)).join(", ")}): give it once`,
      );
    }
  }
}
