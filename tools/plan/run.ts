import * as pulumi from "@pulumi/pulumi";
import { isPlatformInputError, type PlatformInputError } from "../../components/errors/input-error";
import type { ServiceSpec } from "../../components/service/spec";
import { definePlatform } from "../../infra/program";
import { wrapSecret } from "./redact";
import { type RecordedResource, startMockSession } from "./runtime";

// Evaluates the program for one stack under the mock runtime and returns what it registered and
// exported. Used by `npm run plan`, the benchmarks and the tests: one code path for all three.

export const PROJECT = "platform";

export interface ProgramRun {
  resources: RecordedResource[];
  /** Stack outputs, secrets still wrapped (see redact.ts). */
  outputs: Record<string, unknown>;
  error?: PlatformInputError;
  /** Milliseconds spent evaluating the program (imports excluded). */
  evaluationMs: number;
}

export interface ProgramRunOptions {
  stack: string;
  /** Config as the CLI hands it over: `platform:images` -> JSON text. */
  config: Record<string, string>;
  secretKeys?: string[];
  catalog?: readonly ServiceSpec[];
}

/**
 * The Pulumi SDK captures a stack trace for every resource and promise it creates (source
 * positions for the engine, leak diagnostics); under the mocks nobody reads them, and capturing
 * them is a third of the evaluation. A short limit keeps the throwing frame of any error.
 * PLATFORM_PLAN_STACK_TRACES=full restores full traces for debugging the program.
 */
function stackTraceLimitForPlans(): number {
  return process.env.PLATFORM_PLAN_STACK_TRACES === "full" ? Error.stackTraceLimit : 2;
}

export async function runProgram(options: ProgramRunOptions): Promise<ProgramRun> {
  const previousLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = stackTraceLimitForPlans();
  try {
    return await evaluate(options);
  } finally {
    Error.stackTraceLimit = previousLimit;
  }
}

async function evaluate(options: ProgramRunOptions): Promise<ProgramRun> {
  const session = await startMockSession({
    project: PROJECT,
    stack: options.stack,
    config: options.config,
    secretKeys: options.secretKeys ?? [],
  });
  // The program constructs nothing at import time, only inside definePlatform(), so the static
  // import is safe: every resource is registered after the mocks above.
  const started = performance.now();
  let exported: unknown;
  try {
    exported = options.catalog ? definePlatform(options.catalog) : definePlatform();
  } catch (error) {
    if (!isPlatformInputError(error)) throw error;
    await session.settle();
    return { resources: session.resources, outputs: {}, error, evaluationMs: performance.now() - started };
  }
  const outputs = (await resolveDeep(exported)) as Record<string, unknown>;
  await session.settle();
  return { resources: session.resources, outputs, evaluationMs: performance.now() - started };
}

/** Resolves Outputs inside a value; a secret Output becomes a secret wrapper. */
async function resolveDeep(value: unknown): Promise<unknown> {
  if (pulumi.Output.isInstance(value)) {
    const output = value as pulumi.Output<unknown>;
    const [inner, secret] = await Promise.all([
      new Promise<unknown>((r) => output.apply(r)),
      pulumi.isSecret(output),
    ]);
    const resolved = await resolveDeep(inner);
    return secret ? wrapSecret(resolved) : resolved;
  }
  if (Array.isArray(value)) return Promise.all(value.map(resolveDeep));
  if (value && typeof value === "object") {
    const entries = await Promise.all(
      Object.entries(value).map(async ([k, v]) => [k, await resolveDeep(v)] as const),
    );
    return Object.fromEntries(entries);
  }
  return value;
}
