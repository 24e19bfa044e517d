import { describe, expect, it } from "vitest";
import { USAGE as EPHEMERAL_USAGE, parseCommandLine as parseEphemeral } from "../../stacks/ephemeral/args";
import { parseCommandLine as parseRollback, USAGE as ROLLBACK_USAGE } from "../../stacks/rollback/cli";
import { PLAN_USAGE, parsePlanArgs } from "../../tools/plan/args";
import { readStackFile } from "../../tools/plan/stack-file";

// Every option a command's usage shows with one value (`--stack <name>`), given twice, is refused
// naming the option: node:util would keep the last one and run against the other target. Options
// the usage marks repeatable are not. The options are read from the usage text itself.

/** `--name <value>` options of one usage text; those marked repeatable (`]...`, "repeatable") apart. */
function valuedOptions(usage: string): { single: string[]; repeatable: string[] } {
  const single = new Set<string>();
  const repeatable = new Set<string>();
  // An option's description may continue on the next, more indented lines without an option.
  const entries: string[] = [];
  for (const line of usage.split("\n")) {
    if (/^ {20,}\S/.test(line) && !line.includes("--") && entries.length > 0)
      entries[entries.length - 1] += line;
    else entries.push(line);
  }
  for (const line of entries) {
    for (const m of line.matchAll(/--([a-z][a-z-]*) <[^>]+>(\]\.\.\.)?/g)) {
      const name = m[1] as string;
      if (m[2] || /\brepeatable\b/.test(line)) repeatable.add(name);
      else single.add(name);
    }
  }
  for (const name of repeatable) single.delete(name);
  return { single: [...single], repeatable: [...repeatable] };
}

/** The command of the ephemeral usage that documents `--name` (its block starts `  <command> `). */
function ephemeralCommandOf(name: string): string {
  let command = "";
  for (const line of EPHEMERAL_USAGE.split("\n")) {
    const head = /^ {2}([a-z]+) {2,}/.exec(line);
    if (head) command = head[1] as string;
    if (line.includes(`--${name} <`)) return command;
  }
  throw new Error(`--${name} is in no command's block`);
}

const cases: Array<[string, string, (name: string, a: string, b: string) => unknown]> = [
  ["npm run plan", PLAN_USAGE, (n, a, b) => parsePlanArgs([`--${n}`, a, `--${n}`, b], "out")],
  [
    "npm run ephemeral",
    EPHEMERAL_USAGE,
    (n, a, b) => parseEphemeral([ephemeralCommandOf(n), `--${n}`, a, `--${n}`, b]),
  ],
  ["npm run rollback", ROLLBACK_USAGE, (n, a, b) => parseRollback([`--${n}`, a, `--${n}`, b])],
];

describe("a single-valued option given twice", () => {
  for (const [command, usage, parse] of cases) {
    const { single, repeatable } = valuedOptions(usage);
    it(`${command}: its usage shows options with a value`, () => {
      expect(single.length).toBeGreaterThan(0);
    });
    for (const name of single) {
      it(`${command} --${name} twice is refused naming it`, () => {
        expect(() => parse(name, "a1", "b2")).toThrow(
          new RegExp(`--${name} is given 2 times \\("a1", "b2"\\)`),
        );
      });
    }
    for (const name of repeatable) {
      it(`${command} --${name} twice is not refused as repeated`, () => {
        let message = "";
        try {
          parse(name, "a1", "b2");
        } catch (error) {
          message = (error as Error).message;
        }
        expect(message).not.toMatch(/is given 2 times/);
      });
    }
  }
});

describe("npm run rollback arguments", () => {
  const tag = (
    JSON.parse(readStackFile(`${__dirname}/../..`, "local").config["platform:images"] ?? "{}") as {
      tag: string;
    }
  ).tag;
  const refused: Array<[string, string]> = [
    ["--stack", "../prod"],
    ["--stack", "a b"],
    ["--stack", "pr\u001b[31mod"],
    ["--stack", "a/b/c/d"],
    ["--stack", "org/../prod"],
    ["--to", "latest"],
    ["--to", `${tag} `],
    ["--to", `${tag}/x`],
    ["--steps", "1e3"],
    ["--steps", "0x10"],
    ["--steps", " 2"],
    ["--steps", "0"],
    ["--steps", "1".repeat(7)],
  ];
  for (const [flag, value] of refused) {
    it(`${flag} ${JSON.stringify(value)} is refused with the value escaped`, () => {
      const argv = flag === "--stack" ? [flag, value] : ["--stack", "prod", flag, value];
      let message = "";
      try {
        parseRollback(argv);
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).toMatch(new RegExp(`^${flag} `));
      // biome-ignore lint/suspicious/noControlCharactersInRegex: none may get through
      expect(message).not.toMatch(/[\u0000-\u001f]/);
    });
  }
  for (const argv of [
    ["--stack", "prod"],
    ["--stack", "acme/platform/prod", "--to", tag],
    ["--stack", "prod", "--steps", "3"],
  ]) {
    it(`${argv.join(" ")} is accepted`, () => {
      expect(parseRollback(argv)).toMatchObject({ stack: argv[1] });
    });
  }
});
