import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { displayValue } from "../../components/errors/display";
import { imageTag } from "../../infra/config/schema";
import { refuseRepeatedOptions } from "../../tools/cli/repeated-options";
import { withPolicyGate } from "../ephemeral/policy-pack";
import type { RollbackDriver } from "./driver";
import { MIGRATIONS_NOTE, type RollbackArgs, rollback, rollbackGate } from "./rollback";

// `npm run rollback -- --stack <name> [--to <image tag> | --steps N] [--accept-schema] [--dry-run]`.
// Exit 0 rolled back, 1 the preview or update failed, 2 bad usage or refused.

const ROOT = resolve(__dirname, "..", "..");

export const USAGE = `usage: npm run rollback -- --stack <name> [--to <image tag> | --steps <n>] [--accept-schema] [--dry-run]

Returns the stack's services to the images and per-service config (platform:images,
platform:services) of an earlier successful update: --to the most recent one that ran <image tag>,
or --steps back (default 1). Previews with the policy pack first, then updates.
${MIGRATIONS_NOTE}
  --dry-run        preview only, leave the stack as it is
  --accept-schema  roll back across a service marked schemaChanges: breaking
`;

export class UsageError extends Error {}

/** A stack name, or a fully qualified `<organization>/<project>/<stack>`, as Pulumi accepts them. */
const STACK_REFERENCE = /^([A-Za-z0-9_.-]+\/){0,2}[A-Za-z0-9_.-]+$/;

export function parseCommandLine(argv: readonly string[]): RollbackArgs | "help" {
  let parsed: ReturnType<typeof parseArgs>;
  const options = {
    stack: { type: "string" },
    to: { type: "string" },
    steps: { type: "string" },
    "accept-schema": { type: "boolean", default: false },
    "dry-run": { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  } as const;
  try {
    parsed = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false });
    refuseRepeatedOptions(argv, options);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const v = parsed.values as Record<string, string | boolean | undefined>;
  if (v.help) return "help";
  if (typeof v.stack !== "string" || v.stack === "") throw new UsageError("--stack <name> is required");
  if (!STACK_REFERENCE.test(v.stack) || v.stack.split("/").some((part) => part === "." || part === ".."))
    throw new UsageError(
      `--stack ${displayValue(v.stack)} is not a stack name: use letters, digits, '-', '_' and '.' (or <organization>/<project>/<stack>)`,
    );
  if (v.to !== undefined && v.steps !== undefined) throw new UsageError("give --to or --steps, not both");
  if (typeof v.to === "string") {
    const tag = imageTag.safeParse(v.to);
    if (!tag.success)
      throw new UsageError(
        `--to ${displayValue(v.to)} ${tag.error.issues[0]?.message ?? "is not an image tag"}`,
      );
  }
  let steps: number | undefined;
  if (typeof v.steps === "string") {
    steps = /^[0-9]{1,6}$/.test(v.steps) ? Number(v.steps) : Number.NaN;
    if (!Number.isInteger(steps) || steps < 1)
      throw new UsageError(`--steps must be a whole number from 1 to 999999, got ${displayValue(v.steps)}`);
  }
  return {
    stack: v.stack,
    ...(typeof v.to === "string" ? { to: v.to } : {}),
    ...(steps !== undefined ? { steps } : {}),
    acceptSchema: v["accept-schema"] === true,
    dryRun: v["dry-run"] === true,
  };
}

export interface CliContext {
  driver: () => Promise<RollbackDriver>;
  io: { stdout(text: string): void; stderr(text: string): void };
}

export async function run(argv: readonly string[], ctx: CliContext): Promise<number> {
  let args: RollbackArgs | "help";
  try {
    args = parseCommandLine(argv);
  } catch (error) {
    ctx.io.stderr(`rollback: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (args === "help") {
    ctx.io.stdout(USAGE);
    return 0;
  }
  try {
    const driver = await ctx.driver();
    return await withPolicyGate(resolve(ROOT, "policies"), args.stack, (gate) =>
      rollback(args, { driver, ...rollbackGate(gate), io: ctx.io }),
    );
  } catch (error) {
    ctx.io.stderr(`rollback: ${args.stack}: ${(error as Error).message}\n`);
    return 1;
  }
}

if (require.main === module) {
  run(process.argv.slice(2), {
    driver: async () => {
      const { createRollbackDriver } = require("./automation-driver") as typeof import("./automation-driver");
      return createRollbackDriver({ workDir: ROOT, env: process.env });
    },
    io: { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t) },
  }).then((code) => process.exit(code));
}
