// Who and what an ephemeral stack is for, and when it expires: written on its namespaces as labels
// (platform-namespace.ts) so the reaper can find and delete what outlived its pipeline. Every value
// is a Kubernetes label value; infra/config/schema.ts validates `platform:ephemeral` into this.

export interface EphemeralConfig {
  /** The pipeline (CI job group) that created the stack. */
  pipeline: string;
  /** Who started it (a user or a bot), to ask before deleting. */
  owner: string;
  /** The branch or merge request it deploys. */
  ref?: string;
  /** The commit it deploys. */
  commit?: string;
  /** ISO 8601 date-time after which the reaper deletes the stack. */
  expiresAt: string;
}
