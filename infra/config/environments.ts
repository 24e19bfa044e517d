// What `platform:environment` changes, in one table: the program, the schema, the ephemeral-stack
// tooling and the docs read it from here (the README's configuration reference quotes
// `environmentTableMarkdown()`, and test/platform/environments.test.ts keeps them equal).

export interface EnvironmentBehaviour {
  /** Stateful Azure resources (databases, vaults, storage accounts) protected from deletion, unless `platform:azure.protectStateful` says otherwise. */
  protectStateful: boolean;
  /** The services' credentials are a (secret) stack output, for the stack's test jobs. */
  exportsCredentials: boolean;
  /** Test conveniences allowed: `generateMissingSecrets` and `testAccess`. */
  testData: boolean;
  /** A throwaway stack per pipeline: `platform:ephemeral` (pipeline, owner, expiry) and a quota are required, and the reaper destroys it when its TTL runs out. */
  ephemeral: { defaultTtl: string; maxTtlHours: number } | false;
  /** Production: updates only inside the deploy window (policy `deploy-window`), an AKS API server open to the internet refused. */
  production: boolean;
}

export const ENVIRONMENTS = {
  local: {
    protectStateful: false,
    exportsCredentials: true,
    testData: true,
    ephemeral: false,
    production: false,
  },
  ci: {
    protectStateful: false,
    exportsCredentials: true,
    testData: true,
    ephemeral: { defaultTtl: "6h", maxTtlHours: 168 },
    production: false,
  },
  dev: {
    protectStateful: false,
    exportsCredentials: false,
    testData: false,
    ephemeral: false,
    production: false,
  },
  staging: {
    protectStateful: false,
    exportsCredentials: false,
    testData: false,
    ephemeral: false,
    production: false,
  },
  prod: {
    protectStateful: true,
    exportsCredentials: false,
    testData: false,
    ephemeral: false,
    production: true,
  },
} as const satisfies Record<string, EnvironmentBehaviour>;

export type Environment = keyof typeof ENVIRONMENTS;

export const environments = Object.keys(ENVIRONMENTS) as Environment[];

export function behaviourOf(environment: Environment): EnvironmentBehaviour {
  return ENVIRONMENTS[environment];
}

/** The environments where a behaviour holds, in table order. */
export function environmentsWhere(has: (b: EnvironmentBehaviour) => boolean): Environment[] {
  return environments.filter((e) => has(ENVIRONMENTS[e]));
}

/** The table as the README's configuration reference shows it. */
export function environmentTableMarkdown(): string {
  const yes = (v: boolean) => (v ? "yes" : "no");
  const rows = environments.map((e) => {
    const b: EnvironmentBehaviour = ENVIRONMENTS[e];
    const ttl = b.ephemeral
      ? `yes: TTL ${b.ephemeral.defaultTtl} by default, at most ${b.ephemeral.maxTtlHours} h`
      : "no";
    return `| \`${e}\` | ${yes(b.protectStateful)} | ${yes(b.exportsCredentials)} | ${yes(b.testData)} | ${ttl} | ${yes(b.production)} |`;
  });
  return [
    "| environment | stateful resources protected | credentials exported | test data (`generateMissingSecrets`, `testAccess`) | ephemeral | production (deploy window) |",
    "|---|---|---|---|---|---|",
    ...rows,
  ].join("\n");
}
