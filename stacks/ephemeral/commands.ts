import { chmodSync, existsSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import type { ServiceSpec } from "../../components/service/spec";
import { withSpecFiles } from "../../infra/catalog/load";
import type { DownArgs, EnvArgs, ListArgs, ReapArgs, UpArgs } from "./args";
import {
  buildStackConfig,
  checkImageTag,
  type EphemeralRequest,
  parseServiceTags,
  readTemplate,
} from "./config";
import { type DotenvFormat, renderDotenv } from "./dotenv";
import type { StackDriver, StackInfo, StackOutputs } from "./driver";
import { describeFailure, OperationError, UsageError } from "./errors";
import { commitId, type EphemeralName, ephemeralName } from "./naming";
import { type Classification, classifyAll, type ReapResult, reapStacks } from "./reap";
import { parseServiceList, type ServiceSelection, selectServices } from "./services";
import { TAG, tagsFor } from "./tags";
import { describeExpiry, expiryFor, parseNow, parseTtl } from "./ttl";

// The commands, over a StackDriver. Every input is checked (and every UsageError raised) before
// the driver is even created, so a bad command line never touches a stack.

export interface Io {
  stdout(text: string): void;
  stderr(text: string): void;
}

export interface Context {
  /**
   * Created on first use: a usage error never needs the Pulumi CLI. `serviceSpecs` (absolute
   * paths) must reach the program that `up` runs (PLATFORM_SERVICE_SPECS).
   */
  driver(options: { secretsProvider?: string; serviceSpecs?: readonly string[] }): Promise<StackDriver>;
  io: Io;
  env: Readonly<Record<string, string | undefined>>;
  clock: () => Date;
  /** The project directory (Pulumi.yaml, stacks/Pulumi.ci.yaml). */
  root: string;
  catalog: readonly ServiceSpec[];
}

function say(ctx: Context, message: string): void {
  ctx.io.stdout(`${message}\n`);
}

/** A CI variable, with empty values treated as unset (GitHub sets GITHUB_HEAD_REF="" on push). */
function fromEnv(ctx: Context, ...keys: string[]): string | undefined {
  for (const key of keys) {
    const v = ctx.env[key];
    if (v !== undefined && v.trim() !== "") return v.trim();
  }
  return undefined;
}

function resolveId(ctx: Context, id: string | undefined): EphemeralName {
  const value = id ?? fromEnv(ctx, "CI_PIPELINE_ID", "GITHUB_RUN_ID");
  if (value === undefined) {
    throw new UsageError(
      "--id is required outside CI: pass the pipeline id (in CI it defaults to CI_PIPELINE_ID or GITHUB_RUN_ID)",
    );
  }
  return ephemeralName(value);
}

export interface UpRequest extends EphemeralRequest {
  ttlMs: number;
  /** The catalog this stack deploys: the platform's, with the --service-spec files applied. */
  catalog: readonly ServiceSpec[];
  /** Absolute paths of the --service-spec files, for the program. */
  serviceSpecs: string[];
}

/** Resolves and checks every argument of `up`; throws UsageError on the first bad one. */
export function resolveUp(args: UpArgs, ctx: Context): UpRequest {
  const name = resolveId(ctx, args.id);
  const ttlMs = parseTtl(args.ttl);
  const ref = args.ref ?? fromEnv(ctx, "CI_COMMIT_REF_SLUG", "GITHUB_HEAD_REF", "GITHUB_REF_NAME");
  const rawCommit = args.commit ?? fromEnv(ctx, "CI_COMMIT_SHA", "GITHUB_SHA");
  const commit = rawCommit === undefined ? undefined : commitId(rawCommit);
  const owner = args.owner ?? fromEnv(ctx, "GITLAB_USER_LOGIN", "GITHUB_ACTOR", "USER") ?? "unknown";
  const tag = args.imageTag ?? fromEnv(ctx, "PLATFORM_IMAGE_TAG") ?? commit;
  if (tag === undefined) {
    throw new UsageError(
      "--image-tag is required when no commit is known: pass the tag CI pushed for this commit (or --commit <sha>)",
    );
  }
  const imageTag = checkImageTag("--image-tag", tag);
  const serviceSpecs = args.serviceSpecs.map((f) => resolve(f));
  const catalog =
    serviceSpecs.length > 0 ? withSpecFiles(ctx.catalog, args.serviceSpecs).services : ctx.catalog;
  const services: ServiceSelection | undefined =
    args.services.length > 0 ? selectServices(parseServiceList(args.services), catalog) : undefined;
  const serviceTags = parseServiceTags(args.serviceTags, catalog);
  return {
    name,
    owner,
    ...(ref ? { ref } : {}),
    ...(commit ? { commit } : {}),
    imageTag,
    serviceTags,
    expiresAt: expiryFor(ctx.clock(), ttlMs),
    ttlMs,
    catalog,
    serviceSpecs,
    ...(services ? { services } : {}),
  };
}

/** Refuses a stack that belongs to another pipeline or is not a ci stack. */
function checkOwnership(existing: StackInfo, name: EphemeralName, action: string): void {
  const tags = existing.tags;
  const marker = tags[TAG.ephemeral];
  if (marker !== undefined && marker !== "true") {
    throw new OperationError(
      `stack ${existing.name} is tagged ${TAG.ephemeral}=${marker}: refusing to ${action} a stack that is not ephemeral`,
    );
  }
  const env = tags[TAG.environment];
  if (env !== undefined && env !== "ci") {
    throw new OperationError(
      `stack ${existing.name} is tagged ${TAG.environment}=${env}: refusing to ${action} a stack that is not a ci stack`,
    );
  }
  const pipeline = tags[TAG.pipeline];
  if (pipeline !== undefined && pipeline !== name.id) {
    throw new OperationError(
      `stack ${existing.name} belongs to pipeline ${JSON.stringify(pipeline)}, not ${JSON.stringify(name.id)}: two ids map to the same stack name; refusing to ${action} it (choose another --id)`,
    );
  }
}

function writeDotenv(
  ctx: Context,
  file: string,
  outputs: StackOutputs,
  options: { format: DotenvFormat; credentials: boolean; stack: string; expiresAt?: string },
): void {
  const rendered = renderDotenv(outputs, options);
  try {
    // An existing file keeps its mode through writeFileSync: tighten it before credentials go in.
    if (rendered.secrets > 0 && existsSync(file)) chmodSync(file, 0o600);
    writeFileSync(file, rendered.text, { mode: rendered.secrets > 0 ? 0o600 : 0o644 });
  } catch (error) {
    throw new OperationError(`could not write ${file}: ${(error as Error).message}`);
  }
  for (const w of rendered.warnings) ctx.io.stderr(`ephemeral: warning: ${w}\n`);
  say(
    ctx,
    `wrote ${rendered.names.length} variables to ${file} (${options.format} format${rendered.secrets > 0 ? `, ${rendered.secrets} of them credentials, file mode 0600` : ", no credentials"})`,
  );
}

function record(value: unknown): Record<string, unknown> {
  return value && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

/** What `up` prints after the update: only values that are not secret. */
function describeOutputs(outputs: StackOutputs): string[] {
  const lines: string[] = [];
  const services = outputs.services && !outputs.services.secret ? record(outputs.services.value) : {};
  const names = Object.keys(services);
  if (names.length > 0) lines.push(`  services (${names.length}): ${names.join(", ")}`);
  if (outputs.gatewayUrl && !outputs.gatewayUrl.secret)
    lines.push(`  gateway: ${String(outputs.gatewayUrl.value)}`);
  const endpoints = outputs.endpoints && !outputs.endpoints.secret ? record(outputs.endpoints.value) : {};
  for (const [k, v] of Object.entries(endpoints))
    lines.push(`  ${k}: ${typeof v === "string" ? v : JSON.stringify(v)}`);
  return lines;
}

export async function upCommand(args: UpArgs, ctx: Context): Promise<number> {
  const request = resolveUp(args, ctx);
  const template = readTemplate(ctx.root);
  const config = buildStackConfig(template, request);
  const { name } = request;
  const tags = tagsFor({
    pipeline: name.id,
    owner: request.owner,
    ...(request.ref ? { ref: request.ref } : {}),
    ...(request.commit ? { commit: request.commit } : {}),
    expiresAt: request.expiresAt,
    ...(request.services ? { services: request.services.requested } : {}),
  });

  const driver = await ctx.driver({
    ...(args.secretsProvider ? { secretsProvider: args.secretsProvider } : {}),
    ...(request.serviceSpecs.length > 0 ? { serviceSpecs: request.serviceSpecs } : {}),
  });
  say(ctx, `ephemeral: stack ${name.stack}, namespace ${name.namespace}, backend ${driver.backend()}`);
  const existing = await driver.find(name.stack);
  if (existing) checkOwnership(existing, name, "update");
  const { created } = await driver.createOrSelect(name.stack);
  // Tags before the update: a stack whose first update fails half-way is still found and reaped.
  await driver.setTags(name.stack, tags);
  const stale = Object.values(TAG).filter((k) => !(k in tags) && existing?.tags[k] !== undefined);
  if (stale.length > 0) await driver.removeTags(name.stack, stale);
  await driver.setConfig(name.stack, config);

  const deployed = request.services
    ? `${request.services.deployed.length} services (${request.services.requested.join(", ")} and their dependencies: ${request.services.deployed.join(", ")})`
    : `all ${request.catalog.length} services`;
  say(
    ctx,
    `ephemeral: ${created ? "created" : "updating"} ${name.stack}: ${deployed}, images ${request.imageTag}, ${describeExpiry(new Date(request.expiresAt), ctx.clock())} (${request.expiresAt})`,
  );
  let summary: Awaited<ReturnType<StackDriver["up"]>>;
  try {
    summary = await driver.up(name.stack, { onOutput: (text) => ctx.io.stdout(text) });
  } catch (error) {
    throw new OperationError(
      `up of ${name.stack} failed:\n${describeFailure(error)}\nThe stack is kept (tagged, expires ${request.expiresAt}): run \`npm run ephemeral -- up\` again to converge, \`npm run ephemeral -- down --id ${name.id}\` to remove it, or let the reaper take it after expiry.`,
      { cause: error },
    );
  }
  const outputs = await driver.outputs(name.stack);
  const changes = Object.entries(summary.resourceChanges)
    .map(([op, n]) => `${n} ${op}`)
    .join(", ");
  say(ctx, `ephemeral: ${name.stack} is up (${changes || "no changes"})`);
  for (const line of describeOutputs(outputs)) say(ctx, line);
  if (args.dotenv) {
    writeDotenv(ctx, args.dotenv, outputs, {
      format: args.dotenvFormat,
      credentials: args.credentials,
      stack: name.stack,
      expiresAt: request.expiresAt,
    });
  }
  return 0;
}

export async function downCommand(args: DownArgs, ctx: Context): Promise<number> {
  const name = resolveId(ctx, args.id);
  const driver = await ctx.driver({});
  const existing = await driver.find(name.stack);
  if (!existing) {
    say(ctx, `ephemeral: stack ${name.stack} does not exist on ${driver.backend()}: nothing to do`);
    return 0;
  }
  checkOwnership(existing, name, "destroy");
  say(ctx, `ephemeral: destroying ${name.stack} on ${driver.backend()}`);
  try {
    await driver.destroy(name.stack, { onOutput: (text) => ctx.io.stdout(text) });
  } catch (error) {
    throw new OperationError(
      `destroy of ${name.stack} failed:\n${describeFailure(error)}\nThe stack is kept: run down again, or the reaper retries after its expiry.`,
      { cause: error },
    );
  }
  try {
    await driver.remove(name.stack);
  } catch (error) {
    throw new OperationError(
      `the resources of ${name.stack} are destroyed, but removing the stack failed:\n${describeFailure(error)}`,
      { cause: error },
    );
  }
  say(ctx, `ephemeral: ${name.stack} destroyed and removed (state, history, tags and config)`);
  return 0;
}

export async function envCommand(args: EnvArgs, ctx: Context): Promise<number> {
  const name = resolveId(ctx, args.id);
  const driver = await ctx.driver({});
  const existing = await driver.find(name.stack);
  if (!existing)
    throw new OperationError(`stack ${name.stack} does not exist on ${driver.backend()}: run up first`);
  checkOwnership(existing, name, "read");
  const outputs = await driver.outputs(name.stack);
  if (!outputs.namespace)
    throw new OperationError(`stack ${name.stack} has no outputs: its last up did not finish`);
  const expiresAt = existing.tags[TAG.expiresAt];
  writeDotenv(ctx, args.dotenv, outputs, {
    format: args.dotenvFormat,
    credentials: args.credentials,
    stack: name.stack,
    ...(expiresAt ? { expiresAt } : {}),
  });
  return 0;
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  return [line(header), ...rows.map(line)].join("\n");
}

function status(c: Classification): string {
  if (!c.ephemeral) return "not ephemeral";
  if (c.verdict.action === "reap") return "expired";
  if (c.verdict.action === "keep") return "active";
  return "unknown expiry";
}

function summaryOf(c: Classification, now: Date) {
  return {
    stack: c.stack,
    ephemeral: c.ephemeral,
    evidence: c.evidence,
    pipeline: c.pipeline ?? null,
    owner: c.owner ?? null,
    ref: c.ref ?? null,
    commit: c.commit ?? null,
    expiresAt: c.expiresAt ?? null,
    status: status(c),
    expiry: c.expiresAt ? describeExpiry(new Date(c.expiresAt), now) : null,
    resourceCount: c.resourceCount ?? null,
    reason: c.verdict.reason,
  };
}

export async function listCommand(args: ListArgs, ctx: Context): Promise<number> {
  const now = parseNow(args.now, ctx.clock);
  const driver = await ctx.driver({});
  const classified = await classifyAll(driver, await driver.list(), now);
  const shown = args.all ? classified : classified.filter((c) => c.ephemeral);
  if (args.json) {
    ctx.io.stdout(
      `${JSON.stringify(
        shown.map((c) => summaryOf(c, now)),
        null,
        2,
      )}\n`,
    );
    return 0;
  }
  if (shown.length === 0) {
    say(ctx, `no ephemeral stacks on ${driver.backend()}`);
    return 0;
  }
  const rows = shown.map((c) => [
    c.stack,
    c.pipeline ?? "-",
    c.owner ?? "-",
    c.ref ?? "-",
    c.commit ? c.commit.slice(0, 8) : "-",
    c.resourceCount === undefined ? "-" : String(c.resourceCount),
    status(c),
    c.verdict.reason,
  ]);
  say(ctx, table(["STACK", "PIPELINE", "OWNER", "REF", "COMMIT", "RESOURCES", "STATUS", "EXPIRY"], rows));
  return 0;
}

export async function reapCommand(args: ReapArgs, ctx: Context): Promise<number> {
  const now = parseNow(args.now, ctx.clock);
  const driver = await ctx.driver({});
  const classified = await classifyAll(driver, await driver.list(), now);
  const log = args.json ? () => {} : (message: string) => say(ctx, `ephemeral: ${message}`);
  const results = await reapStacks(driver, classified, {
    dryRun: args.dryRun,
    onProgress: log,
    ...(args.json ? {} : { onOutput: (text: string) => ctx.io.stdout(text) }),
  });
  const failed = results.filter((r) => r.outcome === "failed");
  if (args.json) {
    const report = {
      now: now.toISOString(),
      dryRun: args.dryRun,
      results: results.map((r) => ({ ...summaryOf(r, now), outcome: r.outcome, error: r.error ?? null })),
    };
    ctx.io.stdout(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    say(ctx, reapReport(results, args.dryRun, driver.backend(), now));
  }
  for (const f of failed) ctx.io.stderr(`ephemeral: ✗ ${f.stack}: ${f.error ?? "failed"}\n`);
  return failed.length > 0 ? 1 : 0;
}

export function reapReport(
  results: readonly ReapResult[],
  dryRun: boolean,
  backend: string,
  now: Date,
): string {
  const count = (o: ReapResult["outcome"]) => results.filter((r) => r.outcome === o).length;
  const lines = [
    `reap on ${backend} at ${now.toISOString()}${dryRun ? " (dry run: nothing destroyed)" : ""}`,
  ];
  for (const r of results) {
    if (r.outcome === "skipped" && !r.ephemeral) continue;
    const what = {
      destroyed: "destroyed",
      "would-destroy": "would destroy",
      failed: "FAILED",
      kept: "kept",
      skipped: "skipped",
    }[r.outcome];
    lines.push(`  ${what.padEnd(13)} ${r.stack}: ${r.error ?? r.verdict.reason}`);
  }
  const untouched = results.filter((r) => r.outcome === "skipped" && !r.ephemeral).length;
  lines.push(
    `${dryRun ? count("would-destroy") : count("destroyed")} ${dryRun ? "to destroy" : "destroyed"}, ${count("failed")} failed, ${count("kept")} not expired yet, ${count("skipped") - untouched} ephemeral without a usable expiry, ${untouched} other stacks left alone`,
  );
  return lines.join("\n");
}
