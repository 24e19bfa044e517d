import { readFileSync } from "node:fs";
import { join } from "node:path";
import { E2EError, mustRun } from "./proc";
import type { Engine } from "./pulumi";
import { ROOT } from "./toolchain";

// The README's rotation of a service secret ("Service secrets and rotation"), as the e2e runs it:
// the command the README shows, word for word, with only the stack name changed, and the new value
// in the variable the README names. The value goes on stdin, so it is never on a command line,
// in this run's log or in a process listing.

const SECTION = "### Service secrets and rotation";
const SET =
  /^printf '%s' "\$([A-Z][A-Z0-9_]*)" \| pulumi config set --secret --path '([a-z]+:secrets\.([a-z0-9-]+)\.([A-Z][A-Z0-9_]*))' -s prod$/;
const UP = /^pulumi up -s prod$/;

export interface RotationCommand {
  /** The shell line the README shows. */
  line: string;
  /** The variable that holds the new value. */
  variable: string;
  /** platform:secrets.<service>.<NAME> */
  key: string;
  service: string;
  name: string;
}

/** The README's rotation commands: a `pulumi config set` of one secret from stdin, then `pulumi up`. */
export function readmeRotation(readme = readFileSync(join(ROOT, "README.md"), "utf8")): RotationCommand {
  const at = readme.indexOf(SECTION);
  const block = at < 0 ? undefined : /```sh\n([\s\S]*?)```/.exec(readme.slice(at));
  const lines = (block?.[1] ?? "").trim().split("\n");
  const set = SET.exec(lines[0] ?? "");
  if (!set || !UP.test(lines[1] ?? "") || lines.length !== 2) {
    throw new E2EError(
      `README.md, "${SECTION}": expected a sh block of two lines, printf '%s' "$VALUE" | pulumi config set --secret --path 'platform:secrets.<service>.<NAME>' -s prod, then pulumi up -s prod`,
    );
  }
  const [line, variable = "", key = "", service = "", name = ""] = set;
  return { line, variable, key, service, name };
}

/** Runs the README's `pulumi config set` line on `stack`, the value in its variable. */
export async function setWithReadmeCommand(
  engine: Engine,
  command: RotationCommand,
  stack: string,
  value: string,
): Promise<void> {
  await mustRun("sh", ["-c", command.line.replace(/ -s prod$/, ` -s ${stack}`)], {
    cwd: ROOT,
    env: { ...engine.env, [command.variable]: value },
    logFile: engine.logFile,
  });
}
