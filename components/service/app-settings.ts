import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { BackingBinding, NetworkPath } from "../backing/types";

// A service's own settings and secrets (what its code reads besides the backing services):
// plain settings go to its ConfigMap, secrets to the same credentials path as the backing
// services' (a Kubernetes Secret in-cluster, Key Vault + CSI on Azure), never as literals.

export const DEFAULT_GENERATED_LENGTH = 64;

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

/** The Pulumi name of the RandomPassword that holds a generated secret (`authentication-app-secret`). */
export function generatedSecretResourceName(service: string, name: string): string {
  return `${service}-${name.toLowerCase().replaceAll("_", "-")}`;
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
          generatedSecretResourceName(args.service, name),
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
