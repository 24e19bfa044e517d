import type * as pulumi from "@pulumi/pulumi";
import type { BackingKind, KindEnvironment } from "../kind";
import type { DatabaseNeed } from "../types";

// PostgreSQL: a database and a login role per service, on the shared server unless the spec says
// `database: { dedicated: true }`. Doctrine reads one DSN.

export interface DatabaseConnection {
  /** `postgresql://user:password@host:port/db?...` (no password with a token), a Pulumi secret. */
  url: pulumi.Output<string>;
  /**
   * The password is an access token of this audience the app fetches through its workload
   * identity (docs/runtime-contract.md, "Passwordless logins").
   * @default none: the password is in the URL
   */
  tokenScope?: string;
}

export const databaseKind: BackingKind<DatabaseNeed, DatabaseConnection, "DATABASE_URL"> = {
  name: "database",
  field: "database",
  need: (spec) => spec.database,
  dedicated: (need) => need.dedicated === true,
  credentialKeys: ["DATABASE_URL"],
  environment: (_spec, connection): KindEnvironment<"DATABASE_URL"> => ({
    settings: connection.tokenScope
      ? { APP__DATABASE__AUTH: "workload-identity", APP__DATABASE__TOKEN_SCOPE: connection.tokenScope }
      : {},
    credentials: { DATABASE_URL: connection.url },
  }),
};
