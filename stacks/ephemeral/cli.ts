import { resolve } from "node:path";
import { isPlatformInputError } from "../../components/errors/input-error";
import type { ServiceSpec } from "../../components/service/spec";
import { loadCatalog } from "../../infra/catalog/load";
import { parseCommandLine, USAGE } from "./args";
import { type Context, downCommand, envCommand, listCommand, reapCommand, upCommand } from "./commands";
import { exitCodeOf, OperationError, UsageError } from "./errors";

// `npm run ephemeral -- <command>`: per-pipeline stacks of the platform. See USAGE in args.ts and
// docs/ephemeral-stacks.md. Exit 0 ok, 1 an operation failed, 2 bad usage or input.

const ROOT = resolve(__dirname, "..", "..");

export async function run(argv: readonly string[], ctx: Context): Promise<number> {
  try {
    const args = parseCommandLine(argv);
    switch (args.command) {
      case "help":
        ctx.io.stdout(USAGE);
        return 0;
      case "up":
        return await upCommand(args, ctx);
      case "down":
        return await downCommand(args, ctx);
      case "env":
        return await envCommand(args, ctx);
      case "list":
        return await listCommand(args, ctx);
      case "reap":
        return await reapCommand(args, ctx);
    }
  } catch (error) {
    const code = exitCodeOf(error);
    const message = error instanceof Error ? error.message : String(error);
    ctx.io.stderr(`ephemeral: ${message}\n`);
    if (error instanceof UsageError && error.usage) {
      ctx.io.stderr("run `npm run ephemeral -- --help` for usage\n");
    }
    if (
      error instanceof Error &&
      !(error instanceof UsageError) &&
      !(error instanceof OperationError) &&
      !isPlatformInputError(error)
    ) {
      // Not a failure we anticipated: keep the stack trace for the bug report.
      ctx.io.stderr(`${error.stack ?? ""}\n`);
    }
    return code;
  }
}

export function processContext(): Context {
  let catalog: readonly ServiceSpec[] | undefined;
  return {
    driver: async (options) => {
      // Loaded on first use: --help and usage errors never load the Automation API.
      const { createAutomationDriver } =
        require("./automation-driver") as typeof import("./automation-driver");
      return createAutomationDriver({
        workDir: ROOT,
        env: process.env,
        ...(options.secretsProvider ? { secretsProvider: options.secretsProvider } : {}),
        ...(options.serviceSpecs ? { serviceSpecs: options.serviceSpecs } : {}),
      });
    },
    io: {
      stdout: (text) => process.stdout.write(text),
      stderr: (text) => process.stderr.write(text),
    },
    env: process.env,
    clock: () => new Date(),
    root: ROOT,
    // Read on first use, inside run(): a broken spec file is reported like any bad input (exit 2).
    get catalog() {
      catalog ??= loadCatalog().services;
      return catalog;
    },
  };
}

if (require.main === module) {
  run(process.argv.slice(2), processContext()).then(
    (code) => {
      process.exitCode = code;
    },
    (error) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
