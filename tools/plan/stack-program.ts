import { type ProgramRun, runProgram } from "./run";
import { readStackFile, type StackFileConfig, StackFileError } from "./stack-file";

// What the offline tools that read one stack share (`npm run images`, `npm run dashboards`): read
// stacks/Pulumi.<stack>.yaml and run the program on it under mocks, as `npm run plan` does. Bad input
// is one line on stderr, prefixed by the tool's name, and exit code 2 for the caller.

export interface StackProgram {
  stackFile: StackFileConfig;
  run: ProgramRun;
}

/** The stack's file and program run, or undefined after printing why (the caller exits 2). */
export async function runStackProgram(
  tool: string,
  root: string,
  stack: string,
): Promise<StackProgram | undefined> {
  let stackFile: StackFileConfig;
  try {
    stackFile = readStackFile(root, stack);
  } catch (error) {
    if (error instanceof StackFileError) {
      console.error(`${tool}: ${error.message}`);
      return undefined;
    }
    throw error;
  }
  const run = await runProgram({ stack, config: stackFile.config, secretKeys: stackFile.secretKeys });
  if (run.error) {
    console.error(`${tool}: invalid input for stack ${stack}:\n${run.error.message}`);
    return undefined;
  }
  return { stackFile, run };
}
