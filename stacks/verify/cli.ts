import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { loadCatalog, specFilesFromEnv } from "../../infra/catalog/load";
import { withPolicyGate } from "../ephemeral/policy-pack";
import type { RollbackDriver } from "../rollback/driver";
import { rollback, rollbackGate } from "../rollback/rollback";
import { type VerifiedService, type VerifyOptions, verify } from "./checks";

// `npm run verify -- --stack <name>`: the check after every `pulumi up` (CI runs it next). Exit 0
// healthy; 1 a service failed (named), rolled back first when the stack sets rollback.automatic;
// 2 bad usage.

const ROOT = resolve(__dirname, "..", "..");

export const USAGE = `usage: npm run verify -- --stack <name> [--window <seconds>] [--interval <seconds>]
       [--max-error-ratio <0..1>] [--prometheus-url <url>] [--gateway-url <url>] [--timeout-ms <ms>]

Checks a stack right after \`pulumi up\`: each service's readiness path in the cluster, each public
route through the gateway, then the 5xx ratio of every service (Caddy's metrics in Prometheus) for
--window seconds (default 300). Exit 1 names the failing service; with platform:rollback.automatic
the stack is rolled back to the previous successful update first.
`;

interface VerifyArgs {
  stack: string;
  windowSeconds: number;
  intervalSeconds: number;
  maxErrorRatio?: number;
  prometheusUrl?: string;
  gatewayUrl?: string;
  timeoutMs: number;
}

function number(
  name: string,
  raw: string | undefined,
  fallback: number,
  check: (n: number) => boolean,
): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || !check(n)) throw new Error(`--${name} must be a number in range, got ${raw}`);
  return n;
}

export function parseCommandLine(argv: readonly string[]): VerifyArgs | "help" {
  const { values: v } = parseArgs({
    args: [...argv],
    options: {
      stack: { type: "string" },
      window: { type: "string" },
      interval: { type: "string" },
      "max-error-ratio": { type: "string" },
      "prometheus-url": { type: "string" },
      "gateway-url": { type: "string" },
      "timeout-ms": { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (v.help) return "help";
  if (!v.stack) throw new Error("--stack <name> is required");
  const ratio = v["max-error-ratio"];
  return {
    stack: v.stack,
    windowSeconds: number("window", v.window, 300, (n) => n >= 0 && n <= 3600),
    intervalSeconds: number("interval", v.interval, 15, (n) => n >= 1 && n <= 600),
    ...(ratio !== undefined
      ? { maxErrorRatio: number("max-error-ratio", ratio, 0, (n) => n > 0 && n < 1) }
      : {}),
    ...(v["prometheus-url"] ? { prometheusUrl: v["prometheus-url"] } : {}),
    ...(v["gateway-url"] ? { gatewayUrl: v["gateway-url"] } : {}),
    timeoutMs: number("timeout-ms", v["timeout-ms"], 5000, (n) => n >= 100),
  };
}

export interface VerifyContext {
  driver: () => Promise<RollbackDriver>;
  io: { stdout(text: string): void; stderr(text: string): void };
  sleep: (ms: number) => Promise<void>;
}

interface StackOutputs {
  namespace?: string;
  gatewayUrl?: string;
  services?: Record<string, { url: string; routes: string[] }>;
  monitoring?: { prometheusUrl?: string; errorRatio?: number };
  rollback?: { automatic?: boolean };
}

export async function run(argv: readonly string[], ctx: VerifyContext): Promise<number> {
  let args: VerifyArgs | "help";
  try {
    args = parseCommandLine(argv);
  } catch (error) {
    ctx.io.stderr(`verify: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (args === "help") {
    ctx.io.stdout(USAGE);
    return 0;
  }
  const driver = await ctx.driver();
  const outputs = (await driver.outputs(args.stack)) as StackOutputs;
  const deployed = outputs.services ?? {};
  // The catalog the stack was deployed from, with the same extra spec files (PLATFORM_SERVICE_SPECS).
  const catalog = loadCatalog({ specFiles: specFilesFromEnv() }).services;
  const services: VerifiedService[] = catalog
    .filter((s) => s.name in deployed)
    .map((s) => ({
      name: s.name,
      url: deployed[s.name]?.url ?? "",
      readinessPath: s.readinessPath,
      routes: deployed[s.name]?.routes ?? [],
    }));
  const gatewayUrl = args.gatewayUrl ?? outputs.gatewayUrl;
  const prometheusUrl = args.prometheusUrl ?? outputs.monitoring?.prometheusUrl;
  const options: VerifyOptions = {
    namespace: outputs.namespace ?? "",
    windowSeconds: args.windowSeconds,
    intervalSeconds: args.intervalSeconds,
    maxErrorRatio: args.maxErrorRatio ?? outputs.monitoring?.errorRatio ?? 0.05,
    timeoutMs: args.timeoutMs,
    ...(gatewayUrl ? { gatewayUrl } : {}),
    ...(prometheusUrl ? { prometheusUrl } : {}),
  };
  ctx.io.stdout(`verify ${args.stack}: ${services.length} services\n`);
  const failures = await verify(services, options, { log: (t) => ctx.io.stdout(t), sleep: ctx.sleep });
  if (failures.length === 0) {
    ctx.io.stdout(`verify ${args.stack}: healthy\n`);
    return 0;
  }
  for (const f of failures)
    ctx.io.stderr(`verify ${args.stack}: FAILED ${f.service} (${f.check}): ${f.detail}\n`);
  if (outputs.rollback?.automatic) {
    ctx.io.stderr(
      `verify ${args.stack}: platform:rollback.automatic is set: rolling back to the previous successful update\n`,
    );
    const code = await withPolicyGate(resolve(ROOT, "policies"), args.stack, (gate) =>
      rollback(
        { stack: args.stack, steps: 1, acceptSchema: false, dryRun: false },
        { driver, ...rollbackGate(gate), io: ctx.io },
      ),
    );
    ctx.io.stderr(
      code === 0
        ? `verify ${args.stack}: rolled back; the release stays failed (exit 1)\n`
        : `verify ${args.stack}: the automatic rollback did not complete (exit ${code}): roll back by hand\n`,
    );
  }
  return 1;
}

if (require.main === module) {
  run(process.argv.slice(2), {
    driver: async () => {
      const { createRollbackDriver } =
        require("../rollback/automation-driver") as typeof import("../rollback/automation-driver");
      return createRollbackDriver({ workDir: ROOT, env: process.env });
    },
    io: { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t) },
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
  }).then((code) => process.exit(code));
}
