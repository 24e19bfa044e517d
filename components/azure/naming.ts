import { type InputProblem, PlatformInputError } from "../errors/input-error";

// Azure resource names, derived in one place from the stack's prefix, environment and uniqueness
// suffix, and checked against Azure's rules before anything is registered: a name Azure refuses
// fails `pulumi up` halfway through, after the network and the cluster already exist.

export interface NameRule {
  /** What users call the resource, for messages: "Key Vault". */
  what: string;
  min: number;
  max: number;
  /** Allowed characters, as a character class body (no brackets). */
  charset: string;
  /** Human wording of the charset. */
  charsetText: string;
  startsWith?: RegExp;
  startsWithText?: string;
  endsWith?: RegExp;
  endsWithText?: string;
  noDoubleHyphen?: boolean;
  /** Part of a public DNS name: must be unique across all of Azure. */
  globallyUnique?: boolean;
}

const alnum = /^[A-Za-z0-9]/;
const lowerAlnum = /^[a-z0-9]/;

export const rules = {
  resourceGroup: {
    what: "resource group",
    min: 1,
    max: 90,
    charset: "-\\w.()",
    charsetText: "letters, digits, '-', '_', '.', '(' and ')'",
    endsWith: /[^.]$/,
    endsWithText: "anything but '.'",
  },
  virtualNetwork: {
    what: "virtual network",
    min: 2,
    max: 64,
    charset: "-\\w.",
    charsetText: "letters, digits, '-', '_' and '.'",
    startsWith: alnum,
    startsWithText: "a letter or digit",
  },
  aksCluster: {
    what: "AKS cluster",
    min: 1,
    max: 63,
    charset: "-_A-Za-z0-9",
    charsetText: "letters, digits, '-' and '_'",
    startsWith: alnum,
    startsWithText: "a letter or digit",
    endsWith: /[A-Za-z0-9]$/,
    endsWithText: "a letter or digit",
  },
  aksDnsPrefix: {
    what: "AKS DNS prefix",
    min: 1,
    max: 54,
    charset: "-A-Za-z0-9",
    charsetText: "letters, digits and '-'",
    startsWith: alnum,
    startsWithText: "a letter or digit",
    endsWith: /[A-Za-z0-9]$/,
    endsWithText: "a letter or digit",
  },
  nodeResourceGroup: {
    what: "AKS node resource group",
    min: 1,
    max: 80,
    charset: "-\\w.()",
    charsetText: "letters, digits, '-', '_', '.', '(' and ')'",
  },
  logAnalytics: {
    what: "Log Analytics workspace",
    min: 4,
    max: 63,
    charset: "-A-Za-z0-9",
    charsetText: "letters, digits and '-'",
    startsWith: alnum,
    startsWithText: "a letter or digit",
    endsWith: /[A-Za-z0-9]$/,
    endsWithText: "a letter or digit",
  },
  containerRegistry: {
    what: "container registry",
    min: 5,
    max: 50,
    charset: "A-Za-z0-9",
    charsetText: "letters and digits only",
    globallyUnique: true,
  },
  keyVault: {
    what: "Key Vault",
    min: 3,
    max: 24,
    charset: "-A-Za-z0-9",
    charsetText: "letters, digits and '-'",
    startsWith: /^[A-Za-z]/,
    startsWithText: "a letter",
    endsWith: /[A-Za-z0-9]$/,
    endsWithText: "a letter or digit",
    noDoubleHyphen: true,
    globallyUnique: true,
  },
  keyVaultSecret: {
    what: "Key Vault secret",
    min: 1,
    max: 127,
    charset: "-A-Za-z0-9",
    charsetText: "letters, digits and '-'",
  },
  storageAccount: {
    what: "storage account",
    min: 3,
    max: 24,
    charset: "a-z0-9",
    charsetText: "lower-case letters and digits only",
    globallyUnique: true,
  },
  blobContainer: {
    what: "blob container",
    min: 3,
    max: 63,
    charset: "-a-z0-9",
    charsetText: "lower-case letters, digits and '-'",
    startsWith: lowerAlnum,
    startsWithText: "a lower-case letter or digit",
    endsWith: /[a-z0-9]$/,
    endsWithText: "a lower-case letter or digit",
    noDoubleHyphen: true,
  },
  managedRedis: {
    what: "Azure Managed Redis",
    min: 1,
    max: 60,
    charset: "-A-Za-z0-9",
    charsetText: "letters, digits and '-'",
    startsWith: alnum,
    startsWithText: "a letter or digit",
    endsWith: /[A-Za-z0-9]$/,
    endsWithText: "a letter or digit",
    noDoubleHyphen: true,
    globallyUnique: true,
  },
  postgresServer: {
    what: "PostgreSQL flexible server",
    min: 3,
    max: 63,
    charset: "-a-z0-9",
    charsetText: "lower-case letters, digits and '-'",
    startsWith: lowerAlnum,
    startsWithText: "a lower-case letter or digit",
    endsWith: /[a-z0-9]$/,
    endsWithText: "a lower-case letter or digit",
    globallyUnique: true,
  },
  managedIdentity: {
    what: "managed identity",
    min: 3,
    max: 128,
    charset: "-_A-Za-z0-9",
    charsetText: "letters, digits, '-' and '_'",
    startsWith: alnum,
    startsWithText: "a letter or digit",
  },
  federatedCredential: {
    what: "federated identity credential",
    min: 3,
    max: 120,
    charset: "-_A-Za-z0-9",
    charsetText: "letters, digits, '-' and '_'",
    startsWith: alnum,
    startsWithText: "a letter or digit",
  },
} satisfies Record<string, NameRule>;

export type RuleName = keyof typeof rules;

/** What is wrong with a name under a rule (empty when it is valid). */
export function nameProblems(rule: NameRule, name: string): string[] {
  const problems: string[] = [];
  if (name.length < rule.min || name.length > rule.max) {
    problems.push(
      `is ${name.length} characters; a ${rule.what} name has ${rule.min} to ${rule.max}${rule.globallyUnique ? " and must be unique across Azure" : ""}`,
    );
  }
  const bad = [...new Set(name.replace(new RegExp(`[${rule.charset}]`, "g"), ""))];
  if (bad.length > 0) {
    problems.push(
      `contains ${bad.map((c) => JSON.stringify(c)).join(", ")}: a ${rule.what} name allows ${rule.charsetText}`,
    );
  }
  if (rule.startsWith && !rule.startsWith.test(name)) {
    problems.push(`must start with ${rule.startsWithText ?? "a valid character"}`);
  }
  if (rule.endsWith && !rule.endsWith.test(name)) {
    problems.push(`must end with ${rule.endsWithText ?? "a valid character"}`);
  }
  if (rule.noDoubleHyphen && name.includes("--")) problems.push("must not contain consecutive hyphens");
  return problems;
}

/** The Key Vault secret that holds a credential variable: `content` + `DATABASE_URL` -> `content-database-url`. */
export function vaultSecretName(service: string, key: string): string {
  return `${service}-${key.toLowerCase().replaceAll("_", "-").replace(/-+/g, "-")}`;
}

export interface NamingInput {
  prefix: string;
  environment: string;
  suffix: string;
}

/** The names the Azure profile gives its shared resources. */
export function azureNames(n: NamingInput) {
  const { prefix, environment: env, suffix } = n;
  return {
    resourceGroup: `rg-${prefix}-${env}`,
    virtualNetwork: `vnet-${prefix}-${env}`,
    aksCluster: `aks-${prefix}-${env}`,
    aksDnsPrefix: `${prefix}-${env}`,
    nodeResourceGroup: `rg-${prefix}-${env}-aks-nodes`,
    logAnalytics: `log-${prefix}-${env}`,
    containerRegistry: `acr${prefix}${suffix}`,
    keyVault: `kv-${prefix}-${suffix}`,
    storageAccount: `st${prefix}${suffix}`,
    managedRedis: `redis-${prefix}-${suffix}`,
    managedRedisCache: `redis-${prefix}-cache-${suffix}`,
    postgresServer: `psql-${prefix}-${suffix}`,
    /** Private DNS zone of the PostgreSQL servers (VNet integration needs a `*.postgres.database.azure.com` zone). */
    postgresDnsZone: `${prefix}-${env}.private.postgres.database.azure.com`,
    clusterIdentity: `id-${prefix}-${env}-aks`,
    /** The shared PostgreSQL server's Entra administrator: the identity of its setup Jobs. */
    postgresAdminIdentity: `id-${prefix}-${env}-psql-admin`,
    lokiIdentity: `id-${prefix}-${env}-loki`,
    lokiContainers: { chunks: "loki-chunks", ruler: "loki-ruler" },
  };
}

export type AzureNames = ReturnType<typeof azureNames>;

/** Per-service names: its identity, its dedicated servers, its containers. */
export function serviceNames(n: NamingInput, service: string) {
  return {
    identity: `id-${n.prefix}-${n.environment}-${service}`,
    federatedCredential: `fic-${service}`,
    dedicatedRedis: `redis-${n.prefix}-${service}-${n.suffix}`,
    dedicatedRedisCache: `redis-${n.prefix}-${service}-cache-${n.suffix}`,
    dedicatedPostgres: `psql-${n.prefix}-${service}-${n.suffix}`,
    dedicatedPostgresAdminIdentity: `id-${n.prefix}-${n.environment}-${service}-psql-admin`,
    container: (bucket: string) => `${service}-${bucket}`,
  };
}

/** A service as naming sees it: what it owns on Azure. */
export interface NamedService {
  name: string;
  dedicatedDatabase: boolean;
  dedicatedRedis: boolean;
  buckets: readonly string[];
  credentialKeys: readonly string[];
}

export interface NamingSources {
  /** The stack file (`stacks/Pulumi.dev.yaml`). */
  stackFile: string;
  /** Where the catalog lives (`infra/catalog/services/`, one `<name>.yaml` per service). */
  catalogFile: string;
}

/**
 * Checks every name the profile will use and throws one PlatformInputError listing all problems,
 * each naming the key to change and by how much.
 */
export function validateAzureNames(
  input: NamingInput,
  services: readonly NamedService[],
  sources: NamingSources,
): void {
  const problems: InputProblem[] = [];
  const names = azureNames(input);
  const check = (
    rule: RuleName,
    name: string,
    origin: { source: string; field: string; fix: (overBy: number) => string },
  ) => {
    const r: NameRule = rules[rule];
    for (const problem of nameProblems(r, name)) {
      problems.push({
        source: origin.source,
        field: origin.field,
        problem: `the ${r.what} name "${name}" ${problem}`,
        fix: origin.fix(Math.max(0, name.length - r.max)),
      });
    }
  };
  const byPrefix = {
    source: sources.stackFile,
    field: "platform:azure.prefix",
    fix: (over: number) =>
      over > 0
        ? `shorten platform:azure.prefix by ${over} character${over > 1 ? "s" : ""} (it is "${input.prefix}")`
        : "use only lower-case letters and digits in platform:azure.prefix, starting with a letter",
  };
  const bySuffix = {
    source: sources.stackFile,
    field: "platform:azure.prefix, platform:azure.nameSuffix",
    fix: (over: number) =>
      over > 0
        ? `shorten platform:azure.prefix or platform:azure.nameSuffix by ${over} character${over > 1 ? "s" : ""} in total`
        : "use 3 to 6 lower-case letters or digits in platform:azure.nameSuffix",
  };
  check("resourceGroup", names.resourceGroup, byPrefix);
  check("virtualNetwork", names.virtualNetwork, byPrefix);
  check("aksCluster", names.aksCluster, byPrefix);
  check("aksDnsPrefix", names.aksDnsPrefix, byPrefix);
  check("nodeResourceGroup", names.nodeResourceGroup, byPrefix);
  check("logAnalytics", names.logAnalytics, byPrefix);
  check("managedIdentity", names.clusterIdentity, byPrefix);
  check("managedIdentity", names.postgresAdminIdentity, byPrefix);
  check("containerRegistry", names.containerRegistry, bySuffix);
  check("keyVault", names.keyVault, bySuffix);
  check("storageAccount", names.storageAccount, bySuffix);
  check("managedRedis", names.managedRedis, bySuffix);
  check("managedRedis", names.managedRedisCache, bySuffix);
  check("postgresServer", names.postgresServer, bySuffix);
  for (const c of Object.values(names.lokiContainers)) check("blobContainer", c, byPrefix);

  const containers = new Map<string, string>(Object.values(names.lokiContainers).map((c) => [c, "Loki"]));
  // A service's identity must not be one of the platform's (a service named "aks" or "loki").
  const identities = new Map<string, string>([
    [names.clusterIdentity, "the AKS control plane"],
    [names.lokiIdentity, "Loki"],
    [names.postgresAdminIdentity, "the PostgreSQL setup Jobs"],
  ]);
  const claimIdentity = (name: string, owner: string, service: string) => {
    const other = identities.get(name);
    if (other) {
      problems.push({
        source: sources.catalogFile,
        field: `catalog entry "${service}"`,
        problem: `the managed identity name "${name}" is also the identity of ${other}`,
        fix: "rename the service",
      });
    }
    identities.set(name, owner);
  };
  for (const s of services) {
    const sn = serviceNames(input, s.name);
    const entry = (what: string) => ({
      source: sources.catalogFile,
      field: `catalog entry "${s.name}"`,
      fix: (over: number) =>
        over > 0
          ? `shorten the service name or ${what} by ${over} character${over > 1 ? "s" : ""}, or platform:azure.prefix/nameSuffix`
          : `rename the service or ${what} with lower-case letters, digits and single '-'`,
    });
    check("managedIdentity", sn.identity, entry("the stack prefix"));
    claimIdentity(sn.identity, `service ${s.name}`, s.name);
    check("federatedCredential", sn.federatedCredential, entry("the stack prefix"));
    if (s.dedicatedRedis) {
      check("managedRedis", sn.dedicatedRedis, entry("drop redis.dedicated"));
      check("managedRedis", sn.dedicatedRedisCache, entry("drop redis.dedicated"));
    }
    if (s.dedicatedDatabase) {
      check("postgresServer", sn.dedicatedPostgres, entry("drop database.dedicated"));
      check("managedIdentity", sn.dedicatedPostgresAdminIdentity, entry("drop database.dedicated"));
      claimIdentity(
        sn.dedicatedPostgresAdminIdentity,
        `the setup Jobs of ${s.name}'s own PostgreSQL`,
        s.name,
      );
    }
    for (const b of s.buckets) {
      const container = sn.container(b);
      check("blobContainer", container, entry(`the bucket "${b}"`));
      const owner = containers.get(container);
      if (owner) {
        problems.push({
          source: sources.catalogFile,
          field: `catalog entry "${s.name}".buckets`,
          problem: `the blob container "${container}" is also used by ${owner}`,
          fix: "rename the bucket",
        });
      }
      containers.set(container, `service ${s.name}`);
    }
    for (const key of s.credentialKeys) {
      check("keyVaultSecret", vaultSecretName(s.name, key), entry("the credential"));
    }
  }
  if (problems.length > 0) throw new PlatformInputError(problems);
}
