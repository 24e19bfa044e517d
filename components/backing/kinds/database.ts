import type * as pulumi from "@pulumi/pulumi";
import type { BackingKind } from "../kind";
import type { DatabaseNeed } from "../types";

// PostgreSQL: a database and a login role per service, on the shared server unless the spec says
// `database: { dedicated: true }`. Doctrine reads one DSN.

export interface DatabaseConnection {
  /** `postgresql://user:password@host:port/db?...`, a Pulumi secret. */
  url: pulumi.Output<string>;
}

export const databaseKind: BackingKind<DatabaseNeed, DatabaseConnection, "DATABASE_URL"> = {
  name: "database",
  field: "database",
  need: (spec) => spec.database,
  dedicated: (need) => need.dedicated === true,
  credentialKeys: ["DATABASE_URL"],
  environment: (_spec, connection) => ({ settings: {}, credentials: { DATABASE_URL: connection.url } }),
};
