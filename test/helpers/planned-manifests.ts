import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { toManifestYaml } from "../../tools/plan/manifest-yaml";
import { kubernetesObjects } from "../../tools/plan/render";
import { runProgram } from "../../tools/plan/run";
import { readStackFile } from "../../tools/plan/stack-file";

const ROOT = join(__dirname, "..", "..");

/**
 * A stack planned as `npm run plan -- --stack <stack>` does, its Kubernetes objects written as one
 * YAML stream (redacted, as the plan writes them) to a temporary file: what our components emit,
 * for the tests that feed manifests to `npm run policy -- check`.
 */
export async function plannedManifestsFile(stack: string): Promise<{ file: string; objects: number }> {
  const stackFile = readStackFile(ROOT, stack);
  const run = await runProgram({ stack, config: stackFile.config, secretKeys: stackFile.secretKeys });
  if (run.error) throw run.error;
  const objects = kubernetesObjects(run.resources);
  const file = join(mkdtempSync(join(tmpdir(), `planned-${stack}-`)), "manifests.yaml");
  writeFileSync(file, objects.map(toManifestYaml).join("---\n"));
  return { file, objects: objects.length };
}
