import type { PolicyGateOptions } from "../ephemeral/policy-pack";
import type { RollbackDriver } from "./driver";
import { planRollback, RollbackRefused, type ServiceOutput } from "./plan";

// `npm run rollback`: return a stack's services to the images (and per-service config) of an
// earlier successful update. Preview with the policy pack first, then update. Migrations are never
// reversed, which is why a release marked `schemaChanges: breaking` is not crossed without
// --accept-schema.

export interface RollbackArgs {
  stack: string;
  to?: string;
  steps?: number;
  acceptSchema: boolean;
  /** Preview only: print what would change, set nothing back. */
  dryRun: boolean;
}

export interface RollbackContext {
  driver: RollbackDriver;
  policyPack: string;
  /** The pack's config for the stack, a JSON file (`withPolicyGate`, stacks/ephemeral/policy-pack.ts). */
  policyPackConfig?: string;
  io: { stdout(text: string): void; stderr(text: string): void };
}

/** The policy gate of an Automation API operation, as a rollback takes it. */
export function rollbackGate(
  gate: PolicyGateOptions,
): Pick<RollbackContext, "policyPack" | "policyPackConfig"> {
  return { policyPack: gate.policyPacks[0] as string, policyPackConfig: gate.policyPackConfigs[0] as string };
}

export const MIGRATIONS_NOTE =
  "Database migrations are not reversed: the database keeps the schema of the newest release. Services marked schemaChanges: breaking are refused unless --accept-schema.";

/** Exit code: 0 rolled back (or previewed), 1 the preview or the update failed, 2 refused. */
export async function rollback(args: RollbackArgs, ctx: RollbackContext): Promise<number> {
  const { driver, io } = ctx;
  const [history, outputs] = await Promise.all([driver.history(args.stack), driver.outputs(args.stack)]);
  const services = (outputs.services ?? {}) as Record<string, ServiceOutput>;
  let plan: ReturnType<typeof planRollback>;
  try {
    plan = planRollback(history, services, {
      ...(args.to !== undefined ? { to: args.to } : {}),
      ...(args.steps !== undefined ? { steps: args.steps } : {}),
      acceptSchema: args.acceptSchema,
    });
  } catch (error) {
    if (error instanceof RollbackRefused) {
      io.stderr(`rollback: ${args.stack}: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  io.stdout(
    `rollback of stack ${args.stack}: update ${plan.current.version} (${plan.current.startTime}) → the images and service config of update ${plan.target.version} (${plan.target.startTime})\n`,
  );
  if (plan.changes.length === 0) io.stdout("  no service image changes (config only)\n");
  for (const c of plan.changes)
    io.stdout(
      `  ${c.service}: ${c.from} → ${c.to}${c.breaking ? "  (schemaChanges: breaking, accepted)" : ""}\n`,
    );
  io.stdout(`${MIGRATIONS_NOTE}\n`);

  const previous = Object.fromEntries(
    Object.keys(plan.config).map((k) => {
      const recorded = plan.current.config[k];
      let value: unknown = recorded?.value;
      try {
        value = recorded ? JSON.parse(recorded.value) : {};
      } catch {
        // a plain string value
      }
      return [k, value];
    }),
  );
  await driver.setConfig(args.stack, plan.config);
  const options = {
    policyPack: ctx.policyPack,
    ...(ctx.policyPackConfig ? { policyPackConfig: ctx.policyPackConfig } : {}),
    onOutput: (t: string) => io.stdout(t),
  };
  try {
    await driver.preview(args.stack, options);
  } catch (error) {
    await driver.setConfig(args.stack, previous);
    io.stderr(
      `rollback: ${args.stack}: the preview failed (a mandatory policy or the program refused the earlier config); the stack config is restored and nothing was changed:\n${(error as Error).message}\n`,
    );
    return 1;
  }
  if (args.dryRun) {
    await driver.setConfig(args.stack, previous);
    io.stdout("dry run: previewed only; the stack config is unchanged.\n");
    return 0;
  }
  try {
    await driver.up(args.stack, options);
  } catch (error) {
    io.stderr(
      `rollback: ${args.stack}: the update failed; the stack config now holds the earlier images, run the rollback again or fix forward:\n${(error as Error).message}\n`,
    );
    return 1;
  }
  io.stdout(`rolled back: ${args.stack} runs the images of update ${plan.target.version}.\n`);
  return 0;
}
