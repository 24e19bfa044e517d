// The deploy notification: one short text (what happened to which stack, at which commit, where to
// look) and the same facts as fields, posted as JSON. `text` is what Slack and Teams incoming
// webhooks display; a generic webhook reads the fields.

export const PHASES = ["deploy", "verify", "rollback"] as const;
export type Phase = (typeof PHASES)[number];

/** Job statuses as GitLab (`CI_JOB_STATUS`) and GitHub (`job.status`, `needs.*.result`) spell them. */
const STATUS_ALIASES = {
  success: "success",
  failed: "failure",
  failure: "failure",
  canceled: "cancelled",
  cancelled: "cancelled",
} as const;
export type Status = (typeof STATUS_ALIASES)[keyof typeof STATUS_ALIASES];
export const STATUS_WORDS = Object.keys(STATUS_ALIASES);

export function normaliseStatus(raw: string): Status | undefined {
  return (STATUS_ALIASES as Record<string, Status>)[raw.toLowerCase()];
}

export interface DeployEvent {
  stack: string;
  phase: Phase;
  status: Status;
  /** The commit or release deployed. */
  ref?: string;
  /** Link to the pipeline or workflow run. */
  url?: string;
  /** The last lines of the step's output (the failing service, for a failed check). */
  details?: string;
}

const OUTCOMES: Record<Phase, Record<Status, string>> = {
  deploy: {
    success: "deployed",
    failure: "the update (pulumi up) failed",
    cancelled: "the update was cancelled",
  },
  verify: {
    success: "deployed and verified healthy",
    failure:
      "deployed, but the post-deploy check failed (rolled back to the previous images when platform:rollback.automatic is set)",
    cancelled: "the post-deploy check was cancelled",
  },
  rollback: {
    success: "rolled back",
    failure: "the rollback failed: roll back by hand or fix forward",
    cancelled: "the rollback was cancelled",
  },
};

/** The JSON body posted to the webhook. */
export function notificationBody(event: DeployEvent): Record<string, unknown> {
  const mark = event.status === "success" ? "OK" : "FAILED";
  const head = `[${mark}] platform ${event.stack}${event.ref ? ` @ ${event.ref}` : ""}: ${OUTCOMES[event.phase][event.status]}`;
  const lines = [head, ...(event.url ? [event.url] : []), ...(event.details ? ["", event.details] : [])];
  return {
    text: lines.join("\n"),
    stack: event.stack,
    phase: event.phase,
    status: event.status,
    ...(event.ref ? { ref: event.ref } : {}),
    ...(event.url ? { url: event.url } : {}),
  };
}

/** The last `maxLines` lines of a step's output, at most `maxChars` characters. */
export function tail(text: string, maxLines = 15, maxChars = 2000): string {
  // Colour codes of the engine's output mean nothing in a chat message.
  const plain = text.replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g"), "");
  const lines = plain.replace(/\s+$/, "").split("\n");
  const last = lines.slice(-maxLines).join("\n");
  return last.length > maxChars ? last.slice(last.length - maxChars) : last;
}
