import { displayText } from "./display";

// Bad input (stack config, catalog) is reported as one error that names where it is, what is
// wrong and how to fix it, and is raised before any resource is registered.

export interface InputProblem {
  /** The file the user edits: `stacks/Pulumi.local.yaml`, `infra/catalog/services/pilot.yaml:4:3`. */
  source: string;
  /** The key or field path: `platform:images.tag`, `dependsOn[2]`. */
  field: string;
  problem: string;
  fix: string;
}

/** Problems listed one by one; the rest are summed up (20,000 unknown keys are not 20,000 lines). */
export const SHOWN_PROBLEMS = 20;

export class PlatformInputError extends Error {
  constructor(readonly problems: readonly InputProblem[]) {
    super(formatProblems(problems));
    this.name = "PlatformInputError";
  }
}

/** One problem as two lines; every part escaped and cut (see display.ts). An empty field: the whole file. */
export function formatProblem(p: InputProblem): string {
  const where = p.field
    ? `${displayText(p.source, 200)}: ${displayText(p.field, 200)}`
    : displayText(p.source, 200);
  return `${where}: ${displayText(p.problem)}\n  fix: ${displayText(p.fix)}`;
}

export function formatProblems(problems: readonly InputProblem[]): string {
  const shown = problems.slice(0, SHOWN_PROBLEMS).map(formatProblem);
  const hidden = problems.slice(SHOWN_PROBLEMS);
  if (hidden.length === 0) return shown.join("\n");
  const kinds = new Map<string, number>();
  for (const p of hidden) kinds.set(p.problem, (kinds.get(p.problem) ?? 0) + 1);
  const top = [...kinds.entries()].sort((a, b) => b[1] - a[1]);
  const listed = top
    .slice(0, 3)
    .map(([problem, n]) => `${n.toLocaleString("en")} × ${displayText(problem, 80)}`);
  const others = top.slice(3).reduce((sum, [, n]) => sum + n, 0);
  if (others > 0) listed.push(`${others.toLocaleString("en")} other`);
  return [
    ...shown,
    `… and ${hidden.length.toLocaleString("en")} more problems (${problems.length.toLocaleString("en")} in all; not shown: ${listed.join(", ")})`,
  ].join("\n");
}

export function isPlatformInputError(e: unknown): e is PlatformInputError {
  return e instanceof PlatformInputError;
}
