import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { z } from "zod";
import type { BackingBinding, NetworkPath } from "../backing/types";

// A service's own settings and secrets (what its code reads besides the backing services):
// plain settings go to its ConfigMap, secrets to the same credentials path as the backing
// services' (a Kubernetes Secret in-cluster, Key Vault + CSI on Azure), never as literals.

export const DEFAULT_GENERATED_LENGTH = 64;

const variableName = z
  .string()
  .regex(/^[A-Z][A-Z0-9_]*$/, "must be an upper-case variable name such as APP_SECRET");

/** `secrets` of a catalog entry, one item. */
export const secretSpecSchema = z
  .strictObject({
    name: variableName.meta({ description: "The environment variable.", examples: ["APP_SECRET"] }),
    description: z
      .string()
      .optional()
      .meta({ description: "What it is for and who issues it.", examples: ["Symfony's kernel secret"] }),
    generate: z
      .strictObject({
        length: z
          .number()
          .int()
          .min(16)
          .max(512)
          .optional()
          .meta({ description: "Default 64.", default: 64 }),
      })
      .optional()
      .meta({
        description: "Generated with @pulumi/random when the stack sets no value.",
        examples: [{ length: 64 }],
      }),
    optional: z
      .boolean()
      .optional()
      .meta({ description: "The service starts without it. Default false.", default: false }),
  })
  .meta({
    description: "A secret the service reads; its value comes from the stack (platform:secrets).",
    examples: [{ name: "JWT_PASSPHRASE" }, { name: "APP_SECRET", generate: { length: 64 } }],
  });

/** `env` of a catalog entry: plain settings. */
export const plainSettingsSchema = z.record(variableName, z.string()).meta({
  description: "Plain settings for the service's ConfigMap; never a credential (the policy pack checks).",
  examples: [{ FEATURE_X: "on" }],
});

/** One secret a service needs (catalog: `secrets`). */
export type SecretSpec = z.infer<typeof secretSpecSchema>;

/** Pod-template annotation that changes when any credential's value does: rotation rolls the pods. */
export const CREDENTIALS_VERSION_ANNOTATION = "platform.internal/credentials-version";

/** Where each secret of a service comes from, decided by the program from the stack config. */
export type SecretSource =
  | { kind: "config"; value: pulumi.Output<string> }
  | { kind: "generate"; length: number }
  | { kind: "vault-reference"; secretName: string };

export interface AppSettingsArgs {
  service: string;
  /** Plain settings of the catalog entry (`env`). */
  env: Readonly<Record<string, string>>;
  /** Sources by variable name; optional secrets without a value are absent. */
  secrets: Readonly<Record<string, SecretSource>>;
  /** Stack-wide settings every service gets (MAILER_DSN). */
  shared: SharedSettings;
  parent: pulumi.Resource;
}

export interface SharedSettings {
  settings: Record<string, string>;
  credentials: Record<string, pulumi.Output<string>>;
  egress: NetworkPath[];
}

export interface AppSettings {
  binding: BackingBinding;
  /** Variables whose value stays in a Key Vault secret the platform does not manage. */
  vaultReferences: Record<string, string>;
}

export function appSettings(args: AppSettingsArgs): AppSettings {
  const credentials: Record<string, pulumi.Output<string>> = { ...args.shared.credentials };
  const vaultReferences: Record<string, string> = {};
  for (const [name, source] of Object.entries(args.secrets)) {
    switch (source.kind) {
      case "config":
        credentials[name] = pulumi.secret(source.value);
        break;
      case "generate":
        credentials[name] = new random.RandomPassword(
          `${args.service}-${name.toLowerCase().replaceAll("_", "-")}`,
          { length: source.length, special: false },
          { parent: args.parent },
        ).result;
        break;
      case "vault-reference":
        vaultReferences[name] = source.secretName;
        break;
    }
  }
  return {
    binding: {
      settings: { ...args.shared.settings, ...args.env },
      credentials,
      egress: args.shared.egress,
      dependsOn: [],
    },
    vaultReferences,
  };
}
