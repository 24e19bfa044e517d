import {
  accessSync,
  constants,
  existsSync,
  mkdirSync,
  mkdtempSync,
  renameSync,
  rmSync,
  statSync,
} from "node:fs";
import { join, resolve } from "node:path";
import { displayText } from "../../components/errors/display";
import { isStackName } from "./stack-file";

// out/<stack>/ is all or nothing: a plan writes into a temporary directory beside it and renames
// it into place when everything is written. A plan that fails removes out/<stack>/, so a previous
// run's "0 mandatory" report never survives to look like this run's verdict.

export class OutputDirectoryError extends Error {}

export class PlanOutput {
  private constructor(
    /** Where the files go while the plan runs. */
    readonly staging: string,
    /** `<out>/<stack>`, once committed. */
    readonly final: string,
  ) {}

  /** Checks `--out` (a writable directory, created if missing) and opens a staging directory in it. */
  static open(out: string, stack: string): PlanOutput {
    // The stack names a directory that a failed plan removes: never a path.
    if (!isStackName(stack))
      throw new OutputDirectoryError(
        `--stack "${displayText(stack, 100)}" is not a stack name: use letters, digits, '-', '_' and '.'`,
      );
    const root = resolve(out);
    if (existsSync(root) && !statSync(root).isDirectory())
      throw new OutputDirectoryError(`--out ${out} is a file, not a directory`);
    try {
      mkdirSync(root, { recursive: true });
    } catch (error) {
      throw new OutputDirectoryError(`--out ${out}: ${reason(error)}`);
    }
    if (!statSync(root).isDirectory())
      throw new OutputDirectoryError(`--out ${out} is a file, not a directory`);
    try {
      accessSync(root, constants.W_OK);
      return new PlanOutput(mkdtempSync(join(root, `.${stack}.partial-`)), join(root, stack));
    } catch (error) {
      throw new OutputDirectoryError(`--out ${out}: ${reason(error)}`);
    }
  }

  /** Replaces `<out>/<stack>` with what was written. */
  commit(): void {
    const previous = `${this.staging}.previous`;
    let moved = false;
    try {
      renameSync(this.final, previous);
      moved = true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
    renameSync(this.staging, this.final);
    if (moved) rmSync(previous, { recursive: true, force: true });
  }

  /** The plan failed: nothing of it, and nothing of an earlier plan of this stack, remains. */
  discard(): void {
    rmSync(this.staging, { recursive: true, force: true });
    rmSync(this.final, { recursive: true, force: true });
  }
}

function reason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "EACCES" || code === "EPERM") return "permission denied";
  if (code === "EROFS") return "read-only file system";
  if (code === "ENOTDIR" || code === "EEXIST") return "a file is in the way (not a directory)";
  return code ?? (error as Error).message;
}
