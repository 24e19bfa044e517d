import { existsSync } from "node:fs";
import { LEFTOVER_KINDS, objectsLeft, PART_OF } from "../lib/platform";
import { E2EError, tail } from "../lib/proc";
import { pulumi, pulumiMayFail } from "../lib/pulumi";
import { seconds } from "../lib/report";
import type { Environment } from "../lib/setup";
import { type LocalStack, phase, type Run } from "./context";

// 7. Destroy the local stack; nothing with the platform's labels may remain.

export async function destroyLocalStack(run: Run, env: Environment, stack: LocalStack): Promise<void> {
  const { cluster: kube, engine: eng } = env;
  const { checks } = run;
  await phase(run, `pulumi destroy of ${stack.name}`, async () => {
    if (!existsSync(stack.file)) throw new E2EError("the stack was never created");
    const destroy = await run.timed("pulumi destroy", () =>
      pulumiMayFail(eng, ["destroy", "--yes", "--non-interactive", "--skip-preview", "--stack", stack.name], {
        timeoutMs: 20 * 60_000,
      }),
    );
    checks.that(
      destroy.code === 0,
      `pulumi destroy succeeded in ${seconds(destroy.ms)}`,
      tail(`${destroy.stdout}\n${destroy.stderr}`, 25),
    );
    const left = await objectsLeft(kube);
    checks.that(
      left.length === 0,
      `no object or namespace labelled ${PART_OF} left (kubectl get ${LEFTOVER_KINDS} -A)`,
      left.slice(0, 10).join(", "),
    );
    if (destroy.code === 0) {
      await pulumi(eng, ["stack", "rm", "--yes", "--stack", stack.name]);
      checks.that(!existsSync(stack.file), `stack ${stack.name} removed with its stack file`);
    }
  });
}
