import { resolve } from "node:path";
import { parseArgs } from "node:util";
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

export function parseCommandLine(argv: readonly string[]): RollbackArgs | "help" {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: {
        stack: { type: "string" },
        to: { type: "string" },
        steps: { type: "string" },
        "accept-schema": { type: "boolean", default: false },
        "dry-run": { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const v = parsed.values as Record<string, string | boolean | undefined>;
  if (v.help) return "help";
  if (typeof v.stack !== "string" || v.stack === "") throw new UsageError("--stack <name> is required");
  if (v.to !== undefined && v.steps !== undefined) throw new UsageError("give --to or --steps, not both");
  let steps: number | undefined;
  if (typeof v.steps === "string") {
    steps = Number(v.steps);
    if (!Number.isInteger(steps) || steps < 1)
      throw new UsageError(`--steps must be a whole number ≥ 1, got ${v.steps}`);
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
