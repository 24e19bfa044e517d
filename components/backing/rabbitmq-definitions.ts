import { createHash } from "node:crypto";
import type { MessagingSpec } from "../service/spec";

// The broker topology as a RabbitMQ definitions file: a vhost and a user per service, the
// exchanges, queues (with dead-letter queues) and bindings each service declares in the catalog.
// Both profiles load it (in-cluster at boot, Azure through the operator).

export interface RabbitTenant {
  service: string;
  messaging: MessagingSpec;
  /** rabbit_password_hashing_sha256 hash, see `rabbitPasswordHash`. */
  passwordHash: string;
}

/** RabbitMQ's salted SHA-256: base64(salt(4) + sha256(salt + utf8(password))). */
export function rabbitPasswordHash(password: string, salt: Buffer): string {
  if (salt.length !== 4) throw new Error("RabbitMQ password salts are 4 bytes");
  const digest = createHash("sha256")
    .update(Buffer.concat([salt, Buffer.from(password, "utf8")]))
    .digest();
  return Buffer.concat([salt, digest]).toString("base64");
}

export function deadLetterExchange(service: string): string {
  return `${service}.dlx`;
}

export function rabbitDefinitions(
  tenants: readonly RabbitTenant[],
  admin: { user: string; passwordHash: string },
) {
  const users = [
    {
      name: admin.user,
      password_hash: admin.passwordHash,
      hashing_algorithm: "rabbit_password_hashing_sha256",
      tags: ["administrator"],
    },
    ...tenants.map((t) => ({
      name: t.service,
      password_hash: t.passwordHash,
      hashing_algorithm: "rabbit_password_hashing_sha256",
      tags: [] as string[],
    })),
  ];
  const vhosts = tenants.map((t) => ({ name: t.service }));
  const permissions = tenants.flatMap((t) => [
    { user: t.service, vhost: t.service, configure: ".*", write: ".*", read: ".*" },
    { user: admin.user, vhost: t.service, configure: ".*", write: ".*", read: ".*" },
  ]);
  const exchanges = tenants.flatMap((t) => {
    const own = t.messaging.exchanges.map((e) => ({
      name: e.name,
      vhost: t.service,
      type: e.type,
      durable: true,
      auto_delete: false,
      internal: false,
      arguments: {},
    }));
    const needsDlx = t.messaging.queues.some((q) => q.deadLetter !== false);
    return needsDlx
      ? [
          ...own,
          {
            name: deadLetterExchange(t.service),
            vhost: t.service,
            type: "direct",
            durable: true,
            auto_delete: false,
            internal: false,
            arguments: {},
          },
        ]
      : own;
  });
  const queues = tenants.flatMap((t) =>
    t.messaging.queues.flatMap((q) => {
      const type = q.kind ?? "quorum";
      const main = {
        name: q.name,
        vhost: t.service,
        durable: true,
        auto_delete: false,
        arguments: {
          "x-queue-type": type,
          ...(q.deadLetter !== false
            ? { "x-dead-letter-exchange": deadLetterExchange(t.service), "x-dead-letter-routing-key": q.name }
            : {}),
        },
      };
      if (q.deadLetter === false) return [main];
      return [
        main,
        {
          name: `${q.name}.dlq`,
          vhost: t.service,
          durable: true,
          auto_delete: false,
          arguments: { "x-queue-type": type },
        },
      ];
    }),
  );
  const bindings = tenants.flatMap((t) =>
    t.messaging.queues.flatMap((q) => [
      ...q.bindings.map((b) => ({
        source: b.exchange,
        vhost: t.service,
        destination: q.name,
        destination_type: "queue",
        routing_key: b.routingKey,
        arguments: {},
      })),
      ...(q.deadLetter !== false
        ? [
            {
              source: deadLetterExchange(t.service),
              vhost: t.service,
              destination: `${q.name}.dlq`,
              destination_type: "queue",
              routing_key: q.name,
              arguments: {},
            },
          ]
        : []),
    ]),
  );
  return {
    users,
    vhosts,
    permissions,
    exchanges,
    queues,
    bindings,
    policies: [],
    parameters: [],
    global_parameters: [],
  };
}
