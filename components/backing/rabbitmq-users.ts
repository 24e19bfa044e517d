import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { MessagingSpec } from "../service/spec";
import { rabbitDefinitions, rabbitPasswordHash } from "./rabbitmq-definitions";

// The broker's users, the same in both profiles: a generated password per tenant service and for
// the administrator, hashed the way RabbitMQ does into the definitions file the broker loads.

export interface RabbitUsers {
  adminPassword: pulumi.Output<string>;
  /** Password of each tenant service, by service name. */
  passwords: ReadonlyMap<string, pulumi.Output<string>>;
  /** The definitions file (users, vhosts, permissions, topology), as a Pulumi secret. */
  definitions: pulumi.Output<string>;
}

export function rabbitUsers(
  name: string,
  tenants: ReadonlyArray<{ service: string; messaging: MessagingSpec }>,
  parent: pulumi.Resource,
): RabbitUsers {
  const credential = (who: string) => ({
    password: new random.RandomPassword(`${name}-${who}-password`, { length: 32, special: false }, { parent })
      .result,
    // A stable salt keeps the definitions, and so the broker's pods, unchanged between runs.
    salt: new random.RandomBytes(`${name}-${who}-salt`, { length: 4 }, { parent }).base64,
  });
  const admin = credential("admin");
  const users = tenants.map((t) => ({ ...t, ...credential(t.service) }));
  const hash = (password: string, salt: string) => rabbitPasswordHash(password, Buffer.from(salt, "base64"));
  const definitions = pulumi.secret(
    pulumi
      .all([admin.password, admin.salt, pulumi.all(users.map((u) => pulumi.all([u.password, u.salt])))])
      .apply(([adminPassword, adminSalt, secrets]) =>
        JSON.stringify(
          rabbitDefinitions(
            users.map((u, i) => {
              const [password, salt] = secrets[i] as [string, string];
              return { service: u.service, messaging: u.messaging, passwordHash: hash(password, salt) };
            }),
            { user: "admin", passwordHash: hash(adminPassword, adminSalt) },
          ),
          null,
          2,
        ),
      ),
  );
  return {
    adminPassword: admin.password,
    passwords: new Map(users.map((u) => [u.service, u.password])),
    definitions,
  };
}
