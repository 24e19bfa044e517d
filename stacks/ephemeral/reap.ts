import type { NamespaceRecord, StackDriver, StackInfo } from "./driver";
import { describeFailure } from "./errors";
import { looksEphemeral } from "./naming";
import { LABEL, TAG } from "./tags";
import { describeExpiry, isoSeconds, MAX_TTL_MS, parseExpiry } from "./ttl";

// Which stacks the reaper may destroy. A stack is ephemeral only on positive evidence:
// - the stack tag platform:ephemeral=true (set by `up` before its first update), or
// - for a stack named ci-<slug> without that tag: a Namespace in its state labelled
//   platform.internal/ephemeral=true (the program labels every ephemeral namespace).
// Its expiry comes from the tag platform:expires-at, else from the namespace label, else (a
// stack that lost both) from its last update plus the longest TTL. Anything else is left alone,
// without even reading its state: staging and production are never candidates.

export type Verdict =
  | { action: "reap"; reason: string }
  | { action: "keep"; reason: string }
  | { action: "skip"; reason: string };

export interface Classification {
  stack: string;
  ephemeral: boolean;
  /** Where the facts came from. */
  evidence: "tag" | "label" | "none";
  expiresAt?: string;
  pipeline?: string;
  owner?: string;
  ref?: string;
  commit?: string;
  resourceCount?: number;
  verdict: Verdict;
}

/** Decides from the tags alone; `needsState` when only the stack's namespaces can tell. */
export function classifyByTags(stack: StackInfo, now: Date): Classification | { needsState: true } {
  const base = {
    stack: stack.name,
    ...(stack.resourceCount !== undefined ? { resourceCount: stack.resourceCount } : {}),
  };
  const tags = stack.tags;
  const marker = tags[TAG.ephemeral];
  if (marker !== undefined && marker !== "true") {
    return { ...base, ephemeral: false, evidence: "tag", verdict: skip(`tag ${TAG.ephemeral}=${marker}`) };
  }
  if (marker === "true") {
    const env = tags[TAG.environment];
    const facts = {
      ...base,
      ephemeral: true,
      evidence: "tag" as const,
      ...optional("pipeline", tags[TAG.pipeline]),
      ...optional("owner", tags[TAG.owner]),
      ...optional("ref", tags[TAG.ref]),
      ...optional("commit", tags[TAG.commit]),
    };
    if (env !== undefined && env !== "ci") {
      return {
        ...facts,
        ephemeral: false,
        verdict: skip(`tagged ephemeral but ${TAG.environment}=${env}: only ci stacks are reaped`),
      };
    }
    const expires = parseExpiry(tags[TAG.expiresAt]);
    if (expires) return { ...facts, expiresAt: isoSeconds(expires), verdict: byExpiry(expires, now, "tag") };
    // The tag is missing or unreadable: the namespace label may still say when.
    return { needsState: true };
  }
  if (!looksEphemeral(stack.name)) {
    return {
      ...base,
      ephemeral: false,
      evidence: "none",
      verdict: skip("not an ephemeral stack (no tag, not ci-*)"),
    };
  }
  return { needsState: true };
}

/** Decides from the Namespaces in the stack's state (tags missing or without an expiry). */
export function classifyByState(
  stack: StackInfo,
  namespaces: readonly NamespaceRecord[],
  now: Date,
): Classification {
  const tagged = stack.tags[TAG.ephemeral] === "true";
  const labelled = namespaces.filter((n) => n.labels[LABEL.ephemeral] === "true");
  const base = {
    stack: stack.name,
    ...(stack.resourceCount !== undefined ? { resourceCount: stack.resourceCount } : {}),
  };
  const first = labelled[0];
  const facts = {
    ...base,
    ...optional("pipeline", stack.tags[TAG.pipeline] ?? first?.labels[LABEL.pipeline]),
    ...optional("owner", stack.tags[TAG.owner] ?? first?.labels[LABEL.owner]),
    ...optional("ref", stack.tags[TAG.ref] ?? first?.labels[LABEL.ref]),
    ...optional("commit", stack.tags[TAG.commit] ?? first?.labels[LABEL.commit]),
  };
  if (!tagged && labelled.length === 0) {
    return {
      ...facts,
      ephemeral: false,
      evidence: "none",
      verdict: skip(
        namespaces.length === 0 && (stack.resourceCount ?? 0) === 0
          ? "named like an ephemeral stack but empty and untagged: left alone (remove it by hand if it is a leftover)"
          : "named like an ephemeral stack but carries neither the tag nor a labelled namespace: left alone",
      ),
    };
  }
  const foreign = labelled.find((n) => {
    const env = n.labels[LABEL.environment];
    return env !== undefined && env !== "ci";
  });
  if (foreign) {
    return {
      ...facts,
      ephemeral: false,
      evidence: "label",
      verdict: skip(
        `namespace ${foreign.name} is labelled ${LABEL.environment}=${foreign.labels[LABEL.environment]}`,
      ),
    };
  }
  // The earliest expiry of the stack's ephemeral namespaces (they share one in practice).
  const expiries = labelled
    .map((n) => parseExpiry(n.labels[LABEL.expiresAt]) ?? parseExpiry(n.annotations[LABEL.expiresAt]))
    .filter((d): d is Date => d !== undefined)
    .sort((a, b) => a.getTime() - b.getTime());
  const evidence = tagged ? ("tag" as const) : ("label" as const);
  const expires = expiries[0];
  if (expires) {
    return {
      ...facts,
      ephemeral: true,
      evidence,
      expiresAt: isoSeconds(expires),
      verdict: byExpiry(expires, now, "namespace label"),
    };
  }
  const updated = stack.lastUpdate ? new Date(stack.lastUpdate) : undefined;
  if (updated && !Number.isNaN(updated.getTime())) {
    const fallback = new Date(updated.getTime() + MAX_TTL_MS);
    return {
      ...facts,
      ephemeral: true,
      evidence,
      expiresAt: isoSeconds(fallback),
      verdict: byExpiry(fallback, now, "last update + maximum TTL, no expiry recorded"),
    };
  }
  return {
    ...facts,
    ephemeral: true,
    evidence,
    verdict: skip(
      "ephemeral but no expiry and no last update is recorded: left alone, remove it with `down`",
    ),
  };
}

function byExpiry(expires: Date, now: Date, source: string): Verdict {
  const text = `${describeExpiry(expires, now)} (${source})`;
  return expires.getTime() <= now.getTime()
    ? { action: "reap", reason: text }
    : { action: "keep", reason: text };
}

function skip(reason: string): Verdict {
  return { action: "skip", reason };
}

function optional<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: string };
}

/** Classifies every stack; state is read only for ci-* stacks whose tags cannot decide. */
export async function classifyAll(
  driver: StackDriver,
  stacks: readonly StackInfo[],
  now: Date,
): Promise<Classification[]> {
  const result: Classification[] = [];
  const push = (stack: StackInfo, c: Classification) => {
    // Destroying now would fail on the lock and kill the update half-way: the next run retries.
    if (c.verdict.action === "reap" && stack.updateInProgress) {
      result.push({
        ...c,
        verdict: skip(`${c.verdict.reason}, but an update is in progress: left for the next run`),
      });
    } else {
      result.push(c);
    }
  };
  for (const stack of stacks) {
    const byTags = classifyByTags(stack, now);
    if (!("needsState" in byTags)) {
      push(stack, byTags);
      continue;
    }
    try {
      const state = await driver.state(stack.name);
      push(stack, classifyByState({ ...stack, resourceCount: state.resourceCount }, state.namespaces, now));
    } catch (error) {
      result.push({
        stack: stack.name,
        ephemeral: stack.tags[TAG.ephemeral] === "true",
        evidence: stack.tags[TAG.ephemeral] === "true" ? "tag" : "none",
        verdict: skip(`could not read its state to find an expiry: ${describeFailure(error, 3)}`),
      });
    }
  }
  return result;
}

export type ReapOutcome = "destroyed" | "would-destroy" | "failed" | "kept" | "skipped";

export interface ReapResult extends Classification {
  outcome: ReapOutcome;
  error?: string;
}

export interface ReapOptions {
  dryRun: boolean;
  onOutput?: (text: string) => void;
  /** Called before and after each destruction, for progress lines. */
  onProgress?: (message: string) => void;
}

/** Destroys and removes every expired stack, one after the other; a failure never stops the rest. */
export async function reapStacks(
  driver: StackDriver,
  classified: readonly Classification[],
  options: ReapOptions,
): Promise<ReapResult[]> {
  const results: ReapResult[] = [];
  for (const c of classified) {
    if (c.verdict.action === "keep") {
      results.push({ ...c, outcome: "kept" });
      continue;
    }
    if (c.verdict.action === "skip") {
      results.push({ ...c, outcome: "skipped" });
      continue;
    }
    if (options.dryRun) {
      results.push({ ...c, outcome: "would-destroy" });
      continue;
    }
    options.onProgress?.(`destroying ${c.stack}: ${c.verdict.reason}`);
    try {
      await driver.destroy(c.stack, options.onOutput ? { onOutput: options.onOutput } : {});
    } catch (error) {
      results.push({ ...c, outcome: "failed", error: `destroy failed: ${describeFailure(error)}` });
      options.onProgress?.(`✗ ${c.stack}: destroy failed, continuing with the next stack`);
      continue;
    }
    try {
      await driver.remove(c.stack);
    } catch (error) {
      results.push({
        ...c,
        outcome: "failed",
        error: `resources destroyed, but removing the stack failed: ${describeFailure(error)}`,
      });
      options.onProgress?.(`✗ ${c.stack}: remove failed, continuing with the next stack`);
      continue;
    }
    results.push({ ...c, outcome: "destroyed" });
    options.onProgress?.(`✓ ${c.stack} destroyed and removed`);
  }
  return results;
}
