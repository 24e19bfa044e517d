import { isPlatformInputError } from "../../components/errors/input-error";

// Every failure of the ephemeral-stack CLI is one of two kinds, and the exit code says which:
// 2 when the request itself is wrong (arguments, the ci template, the config they build), so
// nothing was touched; 1 when an operation on a stack failed (the backend, the CLI, the cluster).

/** Bad arguments or bad input files: fix the command line or the template. Exit code 2. */
export class UsageError extends Error {
  readonly exitCode = 2;
  /** The command line itself is wrong: point at --help. */
  readonly usage: boolean;
  constructor(message: string, options: { usage?: boolean } = {}) {
    super(message);
    this.name = "UsageError";
    this.usage = options.usage ?? false;
  }
}

/** A stack operation failed or was refused. Exit code 1. */
export class OperationError extends Error {
  readonly exitCode = 1;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "OperationError";
  }
}

export function exitCodeOf(error: unknown): 1 | 2 {
  return error instanceof UsageError || isPlatformInputError(error) ? 2 : 1;
}

/** The useful end of an error from the Pulumi CLI: its last lines, without the command echo. */
export function describeFailure(error: unknown, maxLines = 15): string {
  const text = error instanceof Error ? error.message : String(error);
  const lines = text
    .split("\n")
    .map((l) => l.trimEnd())
    .filter((l) => l.length > 0);
  if (lines.length <= maxLines) return lines.join("\n");
  return ["…", ...lines.slice(-maxLines)].join("\n");
}
