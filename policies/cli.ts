// `npm run policy -- check <file|dir|->... [--format text|json] [--config <pack-config.json> | --stack <name>] [--stack-tag k=v]...`
// `npm run policy -- config [--stack <name>]`
//
// Runs the pack's policies (resource and stack level) over Kubernetes YAML with the offline
// analyzer. Exit 0: no mandatory violation (advisories allowed); 1: at least one mandatory
// violation; 2: unreadable input, invalid config or bad usage (one error line on stderr).

import { readFileSync } from "node:fs";
import type { PolicyPackConfig } from "@pulumi/policy";
import { packEnforcementLevel, policies } from "./checks";
import { asPolicyReport, IMAGE_USAGE, ImageUsageError, parseImageArgs, runImageAudit } from "./image/cli";
import { LayerReadError } from "./image/layers";
import { ImageInputError } from "./image/source";
import { type AnalyzedResource, analyze, type PolicyReport, type Violation } from "./runner/analyze";
import { loadPackConfig, PolicyConfigError, readConfigFile, resolvePackConfig } from "./runner/config";
import { InputError, loadKubernetesResources } from "./runner/kubernetes-yaml";

export interface CliIO {
  stdout(text: string): void;
  stderr(text: string): void;
  readStdin(): string;
}

const USAGE = `usage:
  npm run policy -- check <file|dir|->... [--format text|json] [--config <pack-config.json> | --stack <name>] [--stack-tag key=value]...
  npm run policy -- config [--stack <name>]
${IMAGE_USAGE}

check   runs every policy of the pack (resource and stack level) on Kubernetes YAML
        (multi-document files, directories recursively, or - for stdin).
        --config      pack config JSON ({"<policy>": "advisory"} or {"<policy>": {"enforcementLevel": ..., ...}})
        --stack       use policies/config/default.json merged with policies/config/<name>.json
        --stack-tag   a stack tag the policies see (e.g. platform:environment=prod), repeatable
        exit 0 clean (advisories allowed), 1 mandatory violation, 2 unreadable input or bad usage
config  prints the merged pack config of a stack (for pulumi preview --policy-pack-config)
image   audits a container image without Docker: credentials in its config, .env files and keys in
        any layer (also ones a later layer deleted), root USER, migrations at start, dev mode,
        file state in a replicated service's config (--service), the runtime contract.
        REGISTRY_USERNAME/REGISTRY_PASSWORD or REGISTRY_TOKEN authenticate --registry.`;

class UsageError extends Error {}

interface CheckArgs {
  paths: string[];
  format: "text" | "json";
  config?: string;
  stack?: string;
  stackTags: Record<string, string>;
}

function parseCheck(argv: string[]): CheckArgs {
  const out: CheckArgs = { paths: [], format: "text", stackTags: {} };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? "";
    const value = (flag: string) => {
      const eq = a.indexOf("=");
      if (a.startsWith("--") && eq > 0) return a.slice(eq + 1);
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    const flag = a.startsWith("--") ? a.split("=")[0] : undefined;
    if (flag === "--format") {
      const f = value(flag);
      if (f !== "text" && f !== "json") throw new UsageError(`--format must be text or json, not "${f}"`);
      out.format = f;
    } else if (flag === "--config") {
      out.config = value(flag);
    } else if (flag === "--stack") {
      out.stack = value(flag);
    } else if (flag === "--stack-tag") {
      const tag = value(flag);
      const eq = tag.indexOf("=");
      if (eq <= 0) throw new UsageError(`--stack-tag must be key=value, not "${tag}"`);
      out.stackTags[tag.slice(0, eq)] = tag.slice(eq + 1);
    } else if (a === "-" || !a.startsWith("-")) {
      out.paths.push(a);
    } else {
      throw new UsageError(`unknown option ${a}`);
    }
  }
  if (out.paths.length === 0) throw new UsageError("check needs a file, a directory or - (stdin)");
  if (out.config && out.stack) throw new UsageError("use either --config or --stack, not both");
  return out;
}

function packConfig(args: { config?: string; stack?: string }): PolicyPackConfig | undefined {
  if (args.config) return readConfigFile(args.config) as PolicyPackConfig;
  if (args.stack) return loadPackConfig(args.stack);
  return undefined;
}

function resourceLine(v: Violation): string {
  const r = v.resource;
  if (r.kind === "Stack") return "Stack";
  if (r.type.startsWith("kubernetes:")) return `${r.kind} ${r.namespace ? `${r.namespace}/` : ""}${r.name}`;
  return `${r.kind} ${r.name} (${r.type})`;
}

export function formatText(report: PolicyReport): string {
  const groups = new Map<string, Violation[]>();
  for (const v of report.violations) {
    const key = resourceLine(v);
    const list = groups.get(key);
    if (list) list.push(v);
    else groups.set(key, [v]);
  }
  const lines: string[] = [];
  for (const [resource, vs] of groups) {
    lines.push(resource);
    for (const v of vs) {
      lines.push(
        `  ${v.enforcementLevel === "mandatory" ? "MANDATORY" : "advisory "} ${v.policy}: ${v.message}`,
      );
    }
    lines.push("");
  }
  const mandatory = report.violations.filter((v) => v.enforcementLevel === "mandatory").length;
  const advisory = report.violations.length - mandatory;
  const affected = [...groups.keys()].filter((k) => k !== "Stack").length;
  const stackWide = groups.has("Stack") ? " plus stack-wide findings" : "";
  lines.push(
    `${mandatory > 0 ? "FAIL" : "OK"}: ${mandatory} mandatory, ${advisory} advisory; ${affected} of ${report.resourcesChecked} resource${report.resourcesChecked === 1 ? "" : "s"} affected${stackWide} (${report.policiesRun} policies run).`,
  );
  return `${lines.join("\n")}\n`;
}

export function formatJson(report: PolicyReport): string {
  const violations = report.violations.map((v) => {
    const resource: { kind: string; name: string; namespace?: string } = {
      kind: v.resource.kind ?? v.resource.type,
      name: v.resource.name,
    };
    if (v.resource.namespace !== undefined) resource.namespace = v.resource.namespace;
    return { policy: v.policy, enforcementLevel: v.enforcementLevel, resource, message: v.message };
  });
  return `${JSON.stringify({ violations }, null, 2)}\n`;
}

async function imageMain(argv: string[], io: CliIO): Promise<number> {
  try {
    const args = parseImageArgs(argv, ["text", "json"]);
    const report = asPolicyReport(await runImageAudit(args));
    io.stdout(args.format === "json" ? formatJson(report) : formatText(report));
    return report.violations.some((v) => v.enforcementLevel === "mandatory") ? 1 : 0;
  } catch (e) {
    if (e instanceof ImageUsageError) {
      io.stderr(`error: ${e.message}\n${USAGE}\n`);
      return 2;
    }
    if (e instanceof ImageInputError || e instanceof LayerReadError) {
      io.stderr(`error: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}

/** The CLI: `image` reads layers asynchronously; the other commands are synchronous (`main`). */
export function run(argv: string[], io: CliIO): Promise<number> {
  if (argv[0] === "image") return imageMain(argv.slice(1), io);
  return Promise.resolve(main(argv, io));
}

export function main(argv: string[], io: CliIO): number {
  try {
    const [command, ...rest] = argv;
    if (command === undefined || command === "--help" || command === "-h" || command === "help") {
      (command === undefined ? io.stderr : io.stdout)(`${USAGE}\n`);
      return command === undefined ? 2 : 0;
    }
    if (command === "config") {
      let stack: string | undefined;
      for (let i = 0; i < rest.length; i++) {
        if (rest[i] === "--stack") stack = rest[++i];
        else if (rest[i]?.startsWith("--stack=")) stack = rest[i]?.slice("--stack=".length);
        else throw new UsageError(`unknown argument ${rest[i]}`);
      }
      const config = loadPackConfig(stack);
      const resolved = resolvePackConfig(policies, packEnforcementLevel, config);
      if (resolved.errors.length > 0) throw new PolicyConfigError(resolved.errors);
      io.stdout(`${JSON.stringify(config, null, 2)}\n`);
      return 0;
    }
    if (command !== "check") throw new UsageError(`unknown command "${command}"`);
    const args = parseCheck(rest);
    const config = packConfig(args);
    if (config) {
      for (const w of resolvePackConfig(policies, packEnforcementLevel, config).warnings)
        io.stderr(`warning: ${w}\n`);
    }
    let stdinText: string | undefined;
    const resources: AnalyzedResource[] = loadKubernetesResources(args.paths, () => {
      stdinText ??= io.readStdin();
      return stdinText;
    });
    const report = analyze(resources, { config, stackTags: args.stackTags });
    io.stdout(args.format === "json" ? formatJson(report) : formatText(report));
    return report.violations.some((v) => v.enforcementLevel === "mandatory") ? 1 : 0;
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`error: ${e.message}\n${USAGE}\n`);
      return 2;
    }
    if (e instanceof InputError || e instanceof PolicyConfigError) {
      io.stderr(`error: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}

if (require.main === module) {
  run(process.argv.slice(2), {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    readStdin: () => readFileSync(0, "utf8"),
  }).then((code) => {
    process.exitCode = code;
  });
}
