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

export class PlatformInputError extends Error {
  constructor(readonly problems: readonly InputProblem[]) {
    super(problems.map(formatProblem).join("\n"));
    this.name = "PlatformInputError";
  }
}

export function formatProblem(p: InputProblem): string {
  return `${p.source}: ${p.field}: ${p.problem}\n  fix: ${p.fix}`;
}

export function isPlatformInputError(e: unknown): e is PlatformInputError {
  return e instanceof PlatformInputError;
}
