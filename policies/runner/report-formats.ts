// The report in the formats people and CI tools read: text (grouped by resource), the JSON contract,
// SARIF 2.1.0 (GitHub code scanning), JUnit XML (GitLab and GitHub test reports) and GitLab Code
// Quality (the merge-request widget). Each finding carries where it came from when the runner knows
// it (file, 1-based line of its YAML document, document index).

import { createHash } from "node:crypto";
import { isAbsolute, relative, sep } from "node:path";
import { pathToFileURL } from "node:url";
import type { PolicyReport, Violation } from "./analyze";
import { jsonChunks, LazyArray, lazyArray } from "./json-chunks";
import { printable } from "./printable";

export const FORMATS = ["text", "json", "sarif", "junit", "gitlab-codequality"] as const;
export type Format = (typeof FORMATS)[number];

export function isFormat(f: string): f is Format {
  return (FORMATS as readonly string[]).includes(f);
}

export interface SourceLocation {
  /** File path as given on the command line (or "<stdin>"). */
  file: string;
  /** 1-based line where the object's YAML document starts. */
  line: number;
  /** 1-based document index in the file. */
  document: number;
}

export interface RuleInfo {
  name: string;
  description: string;
  enforcementLevel?: string;
}

export interface ReportContext {
  report: PolicyReport;
  /** The rules that ran (SARIF rules, one JUnit suite each). */
  rules: readonly RuleInfo[];
  /** Where a resource came from, by URN. */
  locate?: (urn: string) => SourceLocation | undefined;
  /** Path for findings without a file (stack-wide findings, Pulumi resources). @default "Pulumi.yaml" */
  fallbackPath?: string;
  toolName?: string;
  toolVersion?: string;
  /** Directory paths are made relative to (CI tools want repository-relative paths). @default process.cwd() */
  baseDir?: string;
}

const TOOL = "platform-policies";

function resourceLine(v: Violation): string {
  const r = v.resource;
  if (r.kind === "Stack") return "Stack";
  if (r.type.startsWith("kubernetes:")) return `${r.kind} ${r.namespace ? `${r.namespace}/` : ""}${r.name}`;
  return `${r.kind} ${r.name} (${r.type})`;
}

// ---- text and JSON ---------------------------------------------------------------------------------

export function formatText(report: PolicyReport): string {
  // One group per resource (its URN): two documents that define the same object are two resources.
  const groups = new Map<string, Violation[]>();
  for (const v of report.violations) {
    const key = v.resource.kind === "Stack" ? "Stack" : v.resource.urn;
    const list = groups.get(key);
    if (list) list.push(v);
    else groups.set(key, [v]);
  }
  const lines: string[] = [];
  for (const vs of groups.values()) {
    // Names and messages echo the input: escaped, so they cannot forge lines in a CI log.
    lines.push(printable(resourceLine(vs[0] as Violation)));
    for (const v of vs) {
      lines.push(
        `  ${v.enforcementLevel === "mandatory" ? "MANDATORY" : "advisory "} ${printable(v.policy)}: ${printable(v.message)}`,
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

function jsonViolation(v: Violation) {
  const resource: { kind: string; name: string; namespace?: string } = {
    kind: v.resource.kind ?? v.resource.type,
    name: v.resource.name,
  };
  if (v.resource.namespace !== undefined) resource.namespace = v.resource.namespace;
  return { policy: v.policy, enforcementLevel: v.enforcementLevel, resource, message: v.message };
}

export function formatJson(report: PolicyReport): string {
  return [...jsonReportChunks(report)].join("");
}

function* jsonReportChunks(report: PolicyReport): Generator<string> {
  yield* jsonChunks({ violations: lazyArray(report.violations, jsonViolation) });
  yield "\n";
}

// ---- shared by the CI formats --------------------------------------------------------------------

function pathFor(ctx: ReportContext, loc: SourceLocation | undefined): string {
  const file = loc?.file ?? ctx.fallbackPath ?? "Pulumi.yaml";
  if (file === "<stdin>") return "stdin";
  const base = ctx.baseDir ?? process.cwd();
  const rel = isAbsolute(file) ? relative(base, file) : file;
  return rel.split(sep).join("/");
}

function fingerprint(v: Violation): string {
  return createHash("sha256")
    .update(
      `${v.policy}\u0000${v.resource.type}\u0000${v.resource.namespace ?? ""}\u0000${v.resource.name}\u0000${v.message}`,
    )
    .digest("hex");
}

function located(ctx: ReportContext, v: Violation): SourceLocation | undefined {
  return v.resource.urn ? ctx.locate?.(v.resource.urn) : undefined;
}

// ---- SARIF 2.1.0 -----------------------------------------------------------------------------------

function sarifUri(ctx: ReportContext, loc: SourceLocation | undefined): string {
  const p = pathFor(ctx, loc);
  // Outside the base directory: an absolute file URI (code scanning only shows repository files).
  if (p.startsWith("../") || isAbsolute(p)) return pathToFileURL(loc?.file ?? p).href;
  return p.split("/").map(encodeURIComponent).join("/");
}

export function toSarif(ctx: ReportContext): object {
  return sarifDocument(ctx, (results) => [...results]);
}

/** The SARIF log with its results as `wrap` makes them (an array, or a lazy one while writing). */
function sarifDocument(ctx: ReportContext, wrap: (results: Iterable<object>) => unknown): object {
  const ruleIndex = new Map<string, number>();
  const rules = ctx.rules.map((r, i) => {
    ruleIndex.set(r.name, i);
    return {
      id: r.name,
      name: r.name,
      shortDescription: { text: r.description },
      fullDescription: { text: r.description },
      defaultConfiguration: { level: r.enforcementLevel === "mandatory" ? "error" : "warning" },
    };
  });
  const result = (v: Violation) => {
    const loc = located(ctx, v);
    const index = ruleIndex.get(v.policy);
    return {
      ruleId: v.policy,
      ...(index !== undefined ? { ruleIndex: index } : {}),
      level: v.enforcementLevel === "mandatory" ? "error" : "warning",
      message: { text: v.message },
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: sarifUri(ctx, loc) },
            region: { startLine: loc?.line ?? 1 },
          },
          logicalLocations: [{ fullyQualifiedName: resourceLine(v), kind: "resource" }],
        },
      ],
      partialFingerprints: { "platformPolicyFinding/v1": fingerprint(v) },
    };
  };
  const results = wrap(lazyArray(ctx.report.violations, result).items);
  return {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: ctx.toolName ?? TOOL,
            ...(ctx.toolVersion ? { semanticVersion: ctx.toolVersion } : {}),
            rules,
          },
        },
        results,
      },
    ],
  };
}

// ---- GitLab Code Quality -----------------------------------------------------------------------------

/** GitLab Code Quality issues: mandatory findings are `critical`, advisories `minor`. */
export function toCodeQuality(ctx: ReportContext): object[] {
  return ctx.report.violations.map((v) => codeQualityIssue(ctx, v));
}

function codeQualityIssue(ctx: ReportContext, v: Violation): object {
  const loc = located(ctx, v);
  return {
    description: `${v.policy}: ${v.message}`,
    check_name: v.policy,
    fingerprint: fingerprint(v),
    severity: v.enforcementLevel === "mandatory" ? "critical" : "minor",
    location: { path: pathFor(ctx, loc), lines: { begin: loc?.line ?? 1 } },
  };
}

// ---- JUnit XML ---------------------------------------------------------------------------------------

function xml(text: string): string {
  // XML 1.0 cannot carry most control characters even escaped: drop them.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point
  const clean = text.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, "");
  return clean
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

/**
 * One test suite per rule; one test case per resource with findings (mandatory ones are failures,
 * advisories pass with the note in system-out), or one passing case when the rule found nothing. The
 * failure count matches the exit code: a failed test is a blocked merge.
 */
export function toJUnit(ctx: ReportContext): string {
  const byRule = new Map<string, Map<string, Violation[]>>();
  for (const r of ctx.rules) byRule.set(r.name, new Map());
  for (const v of ctx.report.violations) {
    let cases = byRule.get(v.policy);
    if (!cases) {
      cases = new Map();
      byRule.set(v.policy, cases);
    }
    const key = resourceLine(v);
    const list = cases.get(key);
    if (list) list.push(v);
    else cases.set(key, [v]);
  }
  const suites: string[] = [];
  let totalTests = 0;
  let totalFailures = 0;
  for (const [rule, cases] of byRule) {
    const testcases: string[] = [];
    let failures = 0;
    if (cases.size === 0) {
      testcases.push(`    <testcase name="${xml(`${rule}: no finding`)}" classname="${xml(rule)}"/>`);
    }
    for (const [resource, vs] of cases) {
      const mandatory = vs.filter((v) => v.enforcementLevel === "mandatory");
      const advisory = vs.filter((v) => v.enforcementLevel !== "mandatory");
      const loc = located(ctx, vs[0] as Violation);
      const file = loc ? ` file="${xml(pathFor(ctx, loc))}" line="${loc.line}"` : "";
      const parts = [`    <testcase name="${xml(`${rule}: ${resource}`)}" classname="${xml(rule)}"${file}>`];
      if (mandatory.length > 0) {
        failures++;
        parts.push(
          `      <failure message="${xml((mandatory[0] as Violation).message)}" type="mandatory">${xml(mandatory.map((v) => v.message).join("\n"))}</failure>`,
        );
      }
      if (advisory.length > 0) {
        parts.push(
          `      <system-out>${xml(advisory.map((v) => `advisory: ${v.message}`).join("\n"))}</system-out>`,
        );
      }
      parts.push("    </testcase>");
      testcases.push(parts.join("\n"));
    }
    const tests = Math.max(cases.size, 1);
    totalTests += tests;
    totalFailures += failures;
    suites.push(
      `  <testsuite name="${xml(rule)}" tests="${tests}" failures="${failures}" errors="0" skipped="0">\n${testcases.join("\n")}\n  </testsuite>`,
    );
  }
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="${xml(ctx.toolName ?? TOOL)}" tests="${totalTests}" failures="${totalFailures}" errors="0">\n${suites.join("\n")}\n</testsuites>\n`;
}

/** The report in one of FORMATS. */
export function formatReport(format: Format, ctx: ReportContext): string {
  return [...reportChunks(format, ctx)].join("");
}

/**
 * The report in pieces, for writing while it is built: the JSON formats make each finding's entry
 * as it is written, so a report of many findings is never in memory whole.
 */
export function* reportChunks(format: Format, ctx: ReportContext): Generator<string> {
  switch (format) {
    case "text":
      yield formatText(ctx.report);
      return;
    case "json":
      yield* jsonReportChunks(ctx.report);
      return;
    case "sarif":
      yield* jsonChunks(sarifDocument(ctx, (results) => new LazyArray(results)));
      yield "\n";
      return;
    case "gitlab-codequality":
      yield* jsonChunks(lazyArray(ctx.report.violations, (v) => codeQualityIssue(ctx, v)));
      yield "\n";
      return;
    case "junit":
      yield toJUnit(ctx);
      return;
  }
}
