import { pulumiMayFail } from "../lib/pulumi";
import type { Environment } from "../lib/setup";
import type { LocalStack } from "./context";

// An update of the local stack after a change (a new image, a rotated secret): no preview, the
// policy pack as every deploy runs it, the engine's events in `events` for the order and secret checks.

export function updateLocalStack(
  env: Pick<Environment, "engine" | "policyPack">,
  stack: LocalStack,
  events: string,
  timeoutMs: number,
): ReturnType<typeof pulumiMayFail> {
  return pulumiMayFail(
    env.engine,
    [
      "up",
      "--yes",
      "--non-interactive",
      "--skip-preview",
      "--stack",
      stack.name,
      ...env.policyPack,
      "--event-log",
      events,
    ],
    { timeoutMs },
  );
}
