import { displayText } from "../../components/errors/display";
import type { Violation } from "../../policies/runner/analyze";
import { countChanges, describeField, type PlanDiff } from "./plan-diff";

// out/<stack>/summary.md: the plan as a reviewer reads it in a merge request (CI posts it as a
// comment; GitLab and GitHub draw the Mermaid block). Everything in it comes from the redacted
// files beside it; text from stack files and policies is escaped so it cannot inject markup.

export interface PlanSummary {
  stack: string;
  profile: string;
  environment: string;
  namespace: string;
  services: Array<{ name: string; image?: string; routes?: string[] }>;
  resourceCounts: Array<[type: string, count: number]>;
  kubernetesObjects: number;
  /** Undefined with --no-policy. */
  policy?: { policiesRun: number; violations: Violation[] };
  diff?: PlanDiff;
  mermaid: string;
  notes: string[];
}

/** GitHub refuses comments over 65,536 characters; the diff is cut first, with a pointer to diff.json. */
const MAX_DIFF_LINES = 400;

export function renderSummary(s: PlanSummary): string {
  const mandatory = s.policy?.violations.filter((v) => v.enforcementLevel === "mandatory") ?? [];
  const advisory = s.policy?.violations.filter((v) => v.enforcementLevel !== "mandatory") ?? [];
  const verdict = !s.policy
    ? "policies skipped (`--no-policy`)"
    : mandatory.length > 0
      ? `**${mandatory.length} mandatory policy violation${mandatory.length > 1 ? "s" : ""}**: this change cannot be deployed`
      : `no mandatory policy violation (${s.policy.policiesRun} policies run)`;
  const total = s.resourceCounts.reduce((sum, [, n]) => sum + n, 0);
  const lines = [
    `# Plan of stack ${code(s.stack)}`,
    "",
    `${md(s.profile)} profile, ${md(s.environment)} environment, namespace ${code(s.namespace)}: ${verdict}.`,
    ...s.notes.map((n) => `\n> ${md(n)}`),
    "",
    `## Services (${s.services.length})`,
    "",
    "| service | image | public routes |",
    "|---|---|---|",
    ...s.services.map(
      (svc) =>
        `| ${code(svc.name)} | ${svc.image ? code(svc.image) : ""} | ${(svc.routes ?? []).map(code).join(", ")} |`,
    ),
    "",
    `## Resources (${total}, of which ${s.kubernetesObjects} Kubernetes objects)`,
    "",
    "| count | type |",
    "|---:|---|",
    ...s.resourceCounts.map(([type, n]) => `| ${n} | ${code(type)} |`),
    "",
    ...policySection(s.policy, mandatory, advisory),
    ...(s.diff ? diffSection(s.diff) : []),
    "## Service graph",
    "",
    "```mermaid",
    s.mermaid.trimEnd(),
    "```",
    "",
  ];
  return lines.join("\n");
}

function policySection(
  policy: PlanSummary["policy"],
  mandatory: Violation[],
  advisory: Violation[],
): string[] {
  if (!policy) return ["## Policy findings", "", "Not run (`--no-policy`).", ""];
  const finding = (v: Violation) => {
    const where = [v.resource.kind, v.resource.namespace, v.resource.name].filter(Boolean).join(" ");
    return `- ${code(v.policy)} on ${md(where || v.resource.type)}: ${md(v.message)}`;
  };
  return [
    `## Policy findings (${mandatory.length} mandatory, ${advisory.length} advisory)`,
    "",
    ...(mandatory.length + advisory.length === 0 ? ["None."] : []),
    ...(mandatory.length ? ["**Mandatory** (the merge is blocked):", "", ...mandatory.map(finding), ""] : []),
    ...(advisory.length ? ["**Advisory**:", "", ...advisory.map(finding), ""] : []),
    "",
  ];
}

function diffSection(diff: PlanDiff): string[] {
  const counts = countChanges(diff);
  const body: string[] = [];
  for (const c of diff.changes) {
    body.push(`${c.change === "added" ? "+" : c.change === "removed" ? "-" : "~"} ${c.id}`);
    for (const f of c.fields) body.push(`    ${describeField(f)}`);
  }
  const shown = body.slice(0, MAX_DIFF_LINES).map((l) => displayText(l, 300).replaceAll("```", "ˋˋˋ"));
  return [
    `## Changes against ${md(diff.baseline)} (${counts.added} added, ${counts.changed} changed, ${counts.removed} removed)`,
    "",
    ...(diff.changes.length === 0
      ? ["No object changed."]
      : [
          "```diff",
          ...shown,
          "```",
          ...(body.length > MAX_DIFF_LINES
            ? [
                "",
                `${body.length - MAX_DIFF_LINES} more lines not shown: \`diff.json\` beside this file lists every change.`,
              ]
            : []),
        ]),
    "",
  ];
}

/** Inline text: escaped, and no HTML, links or emphasis a stack file or policy message could inject. */
function md(text: string): string {
  return displayText(text, 1000).replace(/[\\`*_[\]<>|&#]/g, (c) => `\\${c}`);
}

/** A code span (usable in a table cell): no backtick can close it early, no pipe can split the cell. */
function code(text: string): string {
  return `\`${displayText(text, 300).replaceAll("`", "ˋ").replaceAll("|", "\\|")}\``;
}
