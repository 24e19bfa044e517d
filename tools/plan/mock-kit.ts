import { createHash } from "node:crypto";

// Shared by the offline plan's answers (mock-state.ts and the per-cloud tables beside it).

export type State = Record<string, unknown>;
/** Outputs of a resource, from its logical name and resolved inputs. */
export type StateFn = (name: string, inputs: State) => State;
/** Result of a provider function (invoke), from its arguments. */
export type CallFn = (inputs: State) => State;
/** Physical id of a resource, from its logical name and its answered outputs. */
export type IdFn = (name: string, state: State) => string;

export function digest(...parts: string[]): string {
  return createHash("sha256").update(parts.join("\0")).digest("hex");
}
