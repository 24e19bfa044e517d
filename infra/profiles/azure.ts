import type { LoadedConfig } from "../config/load";
import { PlatformInputError } from "../errors";
import type { Profile } from "./profile";

// The Azure profile (AKS, Azure Managed Redis, PostgreSQL Flexible Server, Blob Storage, Key Vault).

export function azureProfile(loaded: LoadedConfig): Profile {
  throw new PlatformInputError([
    {
      source: loaded.source,
      field: "platform:profile",
      problem: "the azure profile is not yet available in this version",
      fix: 'use profile "in-cluster" for now (plan the local stack with `npm run plan`)',
    },
  ]);
}
