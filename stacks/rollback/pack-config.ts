import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadPackConfig } from "../../policies/runner/config";

// A rollback is an update like any deploy: it runs the pack with the stack's config, the file
// `npm run --silent policy -- config --stack <name>` prints and CI passes to every `pulumi up`
// (deploy window, thresholds), not with the policies' built-in defaults.

/** Writes the pack config of `stack` to a new temporary file and returns its path. */
export function writePackConfig(stack: string): string {
  const file = join(mkdtempSync(join(tmpdir(), "policy-config-")), `policy-config.${stack}.json`);
  writeFileSync(file, `${JSON.stringify(loadPackConfig(stack), null, 2)}\n`);
  return file;
}
