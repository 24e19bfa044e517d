import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import {
  type DeployEvent,
  normaliseStatus,
  notificationBody,
  PHASES,
  type Phase,
  STATUS_WORDS,
  tail,
} from "./message";

// `npm run notify -- --stack <name> --phase deploy|verify|rollback --status <job status> ...`: the
// deploy notification the CI templates send when a deploy, its post-deploy check or a rollback ends.
// The webhook URL is a secret: it is read from PLATFORM_DEPLOY_WEBHOOK_URL, never from the command
// line, and never printed. Exit 0 sent (or no webhook configured), 1 not delivered, 2 bad usage.

export const WEBHOOK_ENV = "PLATFORM_DEPLOY_WEBHOOK_URL";

export const USAGE = `usage: npm run notify -- --stack <name> --phase <${PHASES.join("|")}> --status <status>
       [--ref <commit>] [--url <pipeline url>] [--details-file <file>]

Posts {"text": ..., "stack", "phase", "status", "ref", "url"} to the webhook in ${WEBHOOK_ENV}
(a Slack or Teams incoming webhook, or any endpoint that takes JSON); without it, prints that no
notification was sent and exits 0. --status takes the CI's own words (${STATUS_WORDS.join(", ")}).
--details-file adds the last lines of a step's output (the failing service of a post-deploy check).
`;

export class UsageError extends Error {}

export function parseCommandLine(argv: readonly string[]): (DeployEvent & { detailsFile?: string }) | "help" {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: [...argv],
      options: {
        stack: { type: "string" },
        phase: { type: "string" },
        status: { type: "string" },
        ref: { type: "string" },
        url: { type: "string" },
        "details-file": { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) return "help";
  const text = (name: string) => (typeof values[name] === "string" ? (values[name] as string) : undefined);
  const stack = text("stack");
  if (!stack) throw new UsageError("--stack <name> is required");
  const phase = text("phase");
  if (!phase || !(PHASES as readonly string[]).includes(phase))
    throw new UsageError(`--phase must be one of ${PHASES.join(", ")}, got ${phase ?? "nothing"}`);
  const status = normaliseStatus(text("status") ?? "");
  if (!status)
    throw new UsageError(
      `--status must be one of ${STATUS_WORDS.join(", ")}, got ${text("status") ?? "nothing"}`,
    );
  const ref = text("ref");
  const url = text("url");
  const detailsFile = text("details-file");
  return {
    stack,
    phase: phase as Phase,
    status,
    ...(ref ? { ref } : {}),
    ...(url ? { url } : {}),
    ...(detailsFile ? { detailsFile } : {}),
  };
}

export interface NotifyContext {
  env: Record<string, string | undefined>;
  io: { stdout(text: string): void; stderr(text: string): void };
  fetch: typeof fetch;
  /** @default 10000 */
  timeoutMs?: number;
}

export async function run(argv: readonly string[], ctx: NotifyContext): Promise<number> {
  let args: ReturnType<typeof parseCommandLine>;
  try {
    args = parseCommandLine(argv);
  } catch (error) {
    ctx.io.stderr(`notify: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (args === "help") {
    ctx.io.stdout(USAGE);
    return 0;
  }
  const { detailsFile, ...event } = args;
  if (detailsFile) {
    try {
      event.details = tail(readFileSync(detailsFile, "utf8"));
    } catch {
      // A step that failed before writing its log: the notification goes out without details.
      ctx.io.stderr(`notify: ${detailsFile} cannot be read; sending without details\n`);
    }
  }
  const body = notificationBody(event);
  const webhook = ctx.env[WEBHOOK_ENV];
  if (!webhook) {
    ctx.io.stdout(`notify: ${WEBHOOK_ENV} is not set, no notification sent:\n${body.text}\n`);
    return 0;
  }
  try {
    const response = await ctx.fetch(webhook, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(ctx.timeoutMs ?? 10_000),
    });
    if (!response.ok) {
      ctx.io.stderr(
        `notify: the webhook answered HTTP ${response.status}; the notification was not delivered\n`,
      );
      return 1;
    }
  } catch (error) {
    // The message of a failed fetch can carry the URL, which is a secret: say what failed, not where.
    const reason = (error as Error).name === "TimeoutError" ? "timed out" : "could not be reached";
    ctx.io.stderr(`notify: the webhook ${reason}; the notification was not delivered\n`);
    return 1;
  }
  ctx.io.stdout(`notify: sent: ${String(body.text).split("\n")[0]}\n`);
  return 0;
}

if (require.main === module) {
  run(process.argv.slice(2), {
    env: process.env,
    io: { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t) },
    fetch,
  }).then((code) => process.exit(code));
}
