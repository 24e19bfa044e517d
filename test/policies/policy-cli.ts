// `npm run policy -- ...` in process, as the tests run it: the real argument parsing, commands and
// exit codes, with stdout and stderr captured and stdin given.

import { type CliIO, run } from "../../policies/cli";

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function policyCli(argv: string[], stdin = ""): Promise<CliResult> {
  let stdout = "";
  let stderr = "";
  const io: CliIO = {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    readStdin: () => stdin,
  };
  const code = await run(argv, io);
  return { code, stdout, stderr };
}
