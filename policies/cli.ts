// `npm run policy -- check <file|dir|->... [--format text|json|sarif|junit|gitlab-codequality] [--config <pack-config.json> | --stack <name>] [--stack-tag k=v]... [--max-input-mib N]`
// `npm run policy -- config [--stack <name>]`
//
// Runs the pack's policies (resource and stack level) over Kubernetes YAML with the offline
// analyzer, after validating every object against its Kubernetes schema. Exit 0: no mandatory
// violation (advisories allowed); 1: at least one mandatory violation or schema error; 2:
// unreadable, oversized or unrendered input, no objects, invalid config or bad usage (one error line
// on stderr).

import type { PolicyPackConfig } from "@pulumi/policy";
import { packEnforcementLevel, policies } from "./checks";
import {
  asPolicyReport,
  IMAGE_USAGE,
  ImageUsageError,
  imageReportContext,
  parseImageArgs,
  runImageAudits,
} from "./image/cli";
import { LayerReadError } from "./image/layers";
import { ImageInputError } from "./image/source";
import { Analysis, type PolicyReport, PolicyRuntimeError, type Violation } from "./runner/analyze";
import { loadPackConfig, PolicyConfigError, readConfigFile, resolvePackConfig } from "./runner/config";
import { DEFAULT_MAX_INPUT_MIB, readStdinBounded } from "./runner/input-files";
import { InputError, loadedObjectBatches, noObjectsFound } from "./runner/kubernetes-yaml";
import { ListedFindings } from "./runner/listed-findings";
import { printable } from "./runner/printable";
import {
  FORMATS,
  type Format,
  formatReport,
  isFormat,
  type RuleInfo,
  reportChunks,
  type SourceLocation,
} from "./runner/report-formats";
import { loadSchemasOf, SCHEMA_RULE, schemaViolation } from "./runner/schema-findings";

export { formatJson, formatText } from "./runner/report-formats";

export interface CliIO {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Stdin, at most `maxBytes` (+1 to detect more): the run's input limit. */
  readStdin(maxBytes: number): string | Buffer;
}

const USAGE = `usage:
  npm run policy -- check <file|dir|->... [--format text|json|sarif|junit|gitlab-codequality] [--config <pack-config.json> | --stack <name>] [--stack-tag key=value]... [--max-input-mib N]
  npm run policy -- config [--stack <name>]
${IMAGE_USAGE}

check   runs every policy of the pack (resource and stack level) on Kubernetes YAML
        or JSON (multi-document files, directories recursively with every .yaml/.yml/.json file
        kubectl apply -R -f would read, or - for stdin), read as kubectl
        reads YAML (yes/no/on/off are booleans), each object validated against its Kubernetes schema.
        --format      text (default), json, sarif (GitHub code scanning), junit, gitlab-codequality
        --config      pack config JSON ({"<policy>": "advisory"} or {"<policy>": {"enforcementLevel": ..., ...}})
        --stack       use policies/config/default.json merged with policies/config/<name>.json
        --stack-tag   a stack tag the policies see (e.g. platform:environment=prod), repeatable
        --max-input-mib  bytes all inputs may add up to, in MiB (default ${DEFAULT_MAX_INPUT_MIB})
        exit 0 clean (advisories allowed), 1 mandatory violation or schema error,
        2 unreadable/oversized/unrendered input, no Kubernetes objects, or bad usage
config  prints the merged pack config of a stack (for pulumi preview --policy-pack-config)
image   audits a container image without Docker: credentials in its config, .env files and keys in
        any layer (also ones a later layer deleted), root USER, migrations at start, dev mode,
        file state in a replicated service's config (--service), the runtime contract.
        REGISTRY_USERNAME/REGISTRY_PASSWORD or REGISTRY_TOKEN authenticate --registry.`;

class UsageError extends Error {}

interface CheckArgs {
  paths: string[];
  format: Format;
  maxInputMiB: number;
  config?: string;
  stack?: string;
  stackTags: Record<string, string>;
}

function parseCheck(argv: string[]): CheckArgs {
  const out: CheckArgs = { paths: [], format: "text", maxInputMiB: DEFAULT_MAX_INPUT_MIB, stackTags: {} };
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
      if (!isFormat(f)) throw new UsageError(`--format must be one of ${FORMATS.join(", ")}, not "${f}"`);
      out.format = f;
    } else if (flag === "--max-input-mib") {
      const v = value(flag);
      const n = Number(v);
      if (!/^\d+(\.\d+)?$/.test(v) || !(n > 0))
        throw new UsageError(`--max-input-mib must be a positive number of MiB, not "${v}"`);
      out.maxInputMiB = n;
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

const PACK_RULES: RuleInfo[] = policies.map((p) => ({
  name: p.name,
  description: p.description,
  enforcementLevel: p.enforcementLevel,
}));

/** Writes the report as it is made, in pieces of about 1 MiB (not one write per finding). */
function writeReport(chunks: Iterable<string>, io: CliIO): void {
  const WRITE_CHARS = 1 << 20;
  let batch: string[] = [];
  let size = 0;
  for (const chunk of chunks) {
    batch.push(chunk);
    size += chunk.length;
    if (size >= WRITE_CHARS) {
      io.stdout(batch.join(""));
      batch = [];
      size = 0;
    }
  }
  if (size > 0) io.stdout(batch.join(""));
}

async function imageMain(argv: string[], io: CliIO): Promise<number> {
  try {
    const args = parseImageArgs(argv, FORMATS);
    const report = asPolicyReport(await runImageAudits(args));
    io.stdout(formatReport(args.format as Format, imageReportContext(report, args)));
    return report.violations.some((v) => v.enforcementLevel === "mandatory") ? 1 : 0;
  } catch (e) {
    if (e instanceof ImageUsageError) {
      io.stderr(`error: ${printable(e.message)}\n${USAGE}\n`);
      return 2;
    }
    if (e instanceof ImageInputError || e instanceof LayerReadError) {
      io.stderr(`error: ${printable(e.message)}\n`);
      return 2;
    }
    throw e;
  }
}

/** The CLI: `image` audits an image; `check` and `config` are `main`. */
export function run(argv: string[], io: CliIO): Promise<number> {
  if (argv[0] === "image") return imageMain(argv.slice(1), io);
  return main(argv, io);
}

export async function main(argv: string[], io: CliIO): Promise<number> {
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
        io.stderr(`warning: ${printable(w)}\n`);
    }
    // Streamed: each batch of objects is checked against its schema and through the resource
    // policies as soon as it is read, and only what the stack policies read of it is kept.
    const analysis = new Analysis({ config, stackTags: args.stackTags });
    const schema = new ListedFindings();
    const locations = new Map<string, SourceLocation>();
    const batches = loadedObjectBatches(args.paths, (max) => io.readStdin(max), {
      maxInputMiB: args.maxInputMiB,
    });
    for (const batch of batches) {
      await loadSchemasOf(batch);
      for (const o of batch) {
        const finding = schemaViolation(o);
        if (finding) schema.add(finding.policy, finding.enforcementLevel, () => finding);
        locations.set(o.resource.urn, { file: o.source, line: o.line, document: o.document });
      }
      analysis.add(batch.map((o) => o.resource));
    }
    if (locations.size === 0) throw noObjectsFound(args.paths);
    const analyzed = analysis.finish();
    const report: PolicyReport = { ...analyzed, violations: [...schema.all(), ...analyzed.violations] };
    writeReport(
      reportChunks(args.format, {
        report,
        rules: [SCHEMA_RULE, ...PACK_RULES],
        locate: (urn) => locations.get(urn),
      }),
      io,
    );
    return report.violations.some((v: Violation) => v.enforcementLevel === "mandatory") ? 1 : 0;
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`error: ${printable(e.message)}\n${USAGE}\n`);
      return 2;
    }
    if (e instanceof PolicyConfigError) {
      const lines = e.errors.map((line) => `  ${printable(line)}`);
      io.stderr(`error: invalid policy pack configuration:\n${lines.join("\n")}\n`);
      return 2;
    }
    if (e instanceof InputError) {
      io.stderr(`error: ${printable(e.message)}\n`);
      return 2;
    }
    if (e instanceof PolicyRuntimeError) {
      // A policy that throws on some input is a bug of the pack: one line naming the policy and the
      // object, and no pass (exit 2), rather than a stack trace.
      io.stderr(
        `error: ${printable(e.message)} (a bug of the policy pack: please report it with the input)\n`,
      );
      return 2;
    }
    throw e;
  }
}

if (require.main === module) {
  run(process.argv.slice(2), {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    readStdin: readStdinBounded,
  }).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
