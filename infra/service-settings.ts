import * as pulumi from "@pulumi/pulumi";
import { REDIS_CREDENTIAL_KEYS } from "../components/backing/redis-layout";
import { type InputProblem, PlatformInputError } from "../components/errors/input-error";
import {
  type AppSettings,
  appSettings,
  DEFAULT_GENERATED_LENGTH,
  type SecretSource,
  type SharedSettings,
} from "../components/service/app-settings";
import type { ServiceSpec } from "../components/service/spec";
import { closestName } from "./catalog/suggest";
import { CONFIG_NAMESPACE } from "./config/load";
import type { StackConfig } from "./config/schema";

// Where each service's own settings and secrets come from on this stack, decided and checked
// before anything is registered: a required secret without a value is exit 2 with the command
// that sets it. Values are read from the stack's secret config and wrapped as Pulumi secrets at
// once; only their presence is looked at here.

/** Variables the platform sets itself: a catalog entry may not set or claim them. */
const PLATFORM_CREDENTIALS = [
  "DATABASE_URL",
  ...REDIS_CREDENTIAL_KEYS,
  "MESSENGER_TRANSPORT_DSN",
  "APP__STORAGE__CONNECTION_STRING",
  "MAILER_DSN",
];
const PLATFORM_PREFIXES = ["APP__", "PHP_", "MONOLOG_", "CADDY_", "AZURE_"];
const PLATFORM_SETTINGS = ["APP_ENV", "APP_DEBUG", "SERVER_NAME", "APP_BUILD_DIR"];

/** The command that sets one service secret on the stack. */
export function setSecretCommand(stack: string, service: string, name: string): string {
  return `pulumi config set --secret --path '${CONFIG_NAMESPACE}:secrets.${service}.${name}' <value> -s ${stack}`;
}

/** `platform:secrets` and `platform:mailerDsn` as the engine hands them to the program. */
export interface StackSecrets {
  /** Service -> variable -> value (plain text in memory only: wrapped as a secret when used). */
  services: Record<string, Record<string, unknown>>;
  mailerDsn?: string;
}

export function readStackSecrets(): StackSecrets {
  const all = pulumi.runtime.allConfig();
  const parse = (key: string): unknown => {
    const raw = all[`${CONFIG_NAMESPACE}:${key}`];
    if (raw === undefined) return undefined;
    try {
      return JSON.parse(raw);
    } catch {
      return raw;
    }
  };
  const services = parse("secrets");
  const mailerDsn = all[`${CONFIG_NAMESPACE}:mailerDsn`];
  return {
    services:
      services && typeof services === "object" && !Array.isArray(services)
        ? (services as Record<string, Record<string, unknown>>)
        : {},
    ...(mailerDsn !== undefined ? { mailerDsn } : {}),
  };
}

export interface ServiceSettingsPlan {
  /** Builds one service's settings under its component (undefined: the service has none). */
  forService(name: string): ((parent: pulumi.Resource) => AppSettings) | undefined;
}

export interface SettingsSources {
  stack: string;
  /** The stack file. */
  source: string;
  /** The spec file of each service. */
  sourceOf: (service: string) => string;
}

export function planServiceSettings(
  { stack, source, sourceOf }: SettingsSources,
  config: StackConfig,
  secrets: StackSecrets,
  catalog: readonly ServiceSpec[],
  deployed: readonly ServiceSpec[],
): ServiceSettingsPlan {
  const problems: InputProblem[] = [];
  const names = catalog.map((s) => s.name);
  const byName = new Map(catalog.map((s) => [s.name, s]));

  for (const spec of catalog) problems.push(...catalogProblems(spec, sourceOf(spec.name)));

  const checkKeys = (key: string, values: Record<string, Record<string, unknown>>) => {
    for (const [service, entries] of Object.entries(values)) {
      const spec = byName.get(service);
      if (!spec) {
        const hint = closestName(service, names);
        problems.push({
          source,
          field: `${CONFIG_NAMESPACE}:${key}.${service}`,
          problem: `"${service}" is not a service of the catalog`,
          fix: hint ? `did you mean "${hint}"?` : `use one of: ${names.join(", ")}`,
        });
        continue;
      }
      const declared = (spec.secrets ?? []).map((s) => s.name);
      for (const [name, value] of Object.entries(entries ?? {})) {
        const field = `${CONFIG_NAMESPACE}:${key}.${service}.${name}`;
        if (!declared.includes(name)) {
          problems.push({
            source,
            field,
            problem: `${service} declares no secret ${name}${declared.length ? ` (it declares ${declared.join(", ")})` : ""}`,
            fix: `remove it, or declare {name: ${name}} in the secrets of catalog entry "${service}"`,
          });
        } else if (typeof value !== "string" || value === "") {
          problems.push({
            source,
            field,
            problem: "must be a non-empty string",
            fix: `run \`${key === "secrets" ? setSecretCommand(stack, service, name) : `pulumi config set --path '${field}' <key-vault-secret-name>`}\``,
          });
        }
      }
    }
  };
  checkKeys("secrets", secrets.services);
  checkKeys("secretRefs", config.secretRefs);

  if (secrets.mailerDsn !== undefined && !config.mailer) {
    problems.push({
      source,
      field: `${CONFIG_NAMESPACE}:mailer`,
      problem:
        "is required when platform:mailerDsn is set: the services' network policies must reach the relay",
      fix: "set mailer: {relay: {cidrs: [<relay address>/32], port: 587}}",
    });
  }
  if (config.mailer && secrets.mailerDsn === undefined) {
    problems.push({
      source,
      field: `${CONFIG_NAMESPACE}:mailerDsn`,
      problem: "is required when platform:mailer is set",
      fix: `run \`pulumi config set --secret ${CONFIG_NAMESPACE}:mailerDsn 'smtp://user:password@relay.example.com:587' -s ${stack}\``,
    });
  }

  const sources = new Map<string, Record<string, SecretSource>>();
  for (const spec of deployed) {
    const chosen: Record<string, SecretSource> = {};
    for (const secret of spec.secrets ?? []) {
      const value = secrets.services[spec.name]?.[secret.name];
      const reference = config.secretRefs[spec.name]?.[secret.name];
      if (typeof value === "string" && value !== "") {
        chosen[secret.name] = { kind: "config", value: pulumi.secret(value) };
      } else if (reference) {
        chosen[secret.name] = { kind: "vault-reference", secretName: reference };
      } else if (secret.generate || (config.generateMissingSecrets && !secret.optional)) {
        chosen[secret.name] = {
          kind: "generate",
          length: secret.generate?.length ?? DEFAULT_GENERATED_LENGTH,
        };
      } else if (!secret.optional) {
        const alternatives =
          config.profile === "azure"
            ? `, or name a Key Vault secret set out of band: pulumi config set --path '${CONFIG_NAMESPACE}:secretRefs.${spec.name}.${secret.name}' <key-vault-secret-name> -s ${stack}`
            : "";
        problems.push({
          source,
          field: `${CONFIG_NAMESPACE}:secrets.${spec.name}.${secret.name}`,
          problem: `${spec.name} needs ${secret.name}${secret.description ? ` (${secret.description})` : ""} and the stack sets no value`,
          fix: `run \`${setSecretCommand(stack, spec.name, secret.name)}\`${alternatives}`,
        });
      }
    }
    sources.set(spec.name, chosen);
  }
  if (problems.length > 0) throw new PlatformInputError(problems);

  const shared: SharedSettings =
    secrets.mailerDsn !== undefined && config.mailer
      ? {
          settings: {},
          credentials: { MAILER_DSN: pulumi.secret(secrets.mailerDsn) },
          egress: [
            {
              name: "smtp-relay",
              peers: config.mailer.relay.cidrs.map((cidr) => ({ ipBlock: { cidr } })),
              ports: [{ port: config.mailer.relay.port, protocol: "TCP" }],
            },
          ],
        }
      : // Symfony Mailer's null transport: mails are dropped, visibly, until a relay is configured.
        { settings: { MAILER_DSN: "null://null" }, credentials: {}, egress: [] };

  return {
    forService(name) {
      const spec = byName.get(name);
      const chosen = sources.get(name);
      if (!spec || !chosen) return undefined;
      return (parent) => appSettings({ service: name, env: spec.env ?? {}, secrets: chosen, shared, parent });
    },
  };
}

/** A catalog entry's `env` and `secrets`: valid names, no clash with each other or the platform. */
function catalogProblems(spec: ServiceSpec, source: string): InputProblem[] {
  const problems: InputProblem[] = [];
  const at = (field: string, problem: string, fix: string) =>
    problems.push({ source, field: field.replace(/^\./, ""), problem, fix });
  const reserved = (name: string) =>
    PLATFORM_CREDENTIALS.includes(name) ||
    PLATFORM_SETTINGS.includes(name) ||
    PLATFORM_PREFIXES.some((p) => name.startsWith(p));
  // Names and types come from the spec schema; what it cannot know is what the platform sets.
  for (const name of Object.keys(spec.env ?? {})) {
    if (reserved(name))
      at(`.env.${name}`, "is set by the platform (docs/runtime-contract.md)", "choose another name");
  }
  const seen = new Set<string>();
  for (const [i, secret] of (spec.secrets ?? []).entries()) {
    const field = `.secrets[${i}].name`;
    if (reserved(secret.name))
      at(field, `${secret.name} is set by the platform (docs/runtime-contract.md)`, "choose another name");
    if (seen.has(secret.name)) at(field, `${secret.name} is declared twice`, "declare it once");
    if (spec.env && secret.name in spec.env)
      at(
        field,
        `${secret.name} is also a plain setting in env`,
        "remove it from env: a secret is never plain",
      );
    if (secret.generate && secret.optional)
      at(
        `.secrets[${i}]`,
        "is both generated and optional",
        "choose one: a generated secret always has a value",
      );
    seen.add(secret.name);
  }
  return problems;
}
