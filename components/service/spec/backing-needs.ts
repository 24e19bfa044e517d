import { z } from "zod";

// What a service asks of the backing services: a database, Redis, object-storage containers.

export const databaseNeedSchema = z
  .strictObject({
    dedicated: z
      .boolean()
      .optional()
      .meta({
        description:
          "A server of its own instead of a share (database + role) of the platform's server. Default false.",
        examples: [true],
        default: false,
      }),
    schemaChanges: z
      .enum(["compatible", "breaking"])
      .optional()
      .meta({
        description:
          "breaking: the migrations are not backward compatible with the running code, so the web Deployment is replaced (Recreate: a short outage) instead of rolled. Default compatible.",
        examples: ["breaking"],
        default: "compatible",
      }),
  })
  .meta({
    description:
      "A relational database (PostgreSQL) owned by the service; {} for a share of the platform's server.",
    examples: [{}, { dedicated: true }],
  });

export const redisNeedSchema = z
  .strictObject({
    dedicated: z
      .boolean()
      .optional()
      .meta({
        description:
          "An instance of its own instead of a key prefix on the platform's instance. Default false.",
        examples: [true],
        default: false,
      }),
  })
  .meta({
    description: "The service's Redis (cache, sessions, locks, rate limiter) under its own key prefix.",
    examples: [{}, { dedicated: true }],
  });

export const bucketNeedSchema = z
  .strictObject({
    name: z.string().meta({
      description: "DNS-1123 label, unique within the service; the container is named <service>-<name>.",
      examples: ["archives"],
    }),
    purpose: z
      .string()
      .min(1)
      .meta({
        description: "What the container holds, for reviewers and operators.",
        examples: ["Sent issues."],
      }),
    access: z
      .enum(["read-write", "read-only"])
      .optional()
      .meta({
        description: "The service's access to it. Default read-write.",
        examples: ["read-only"],
        default: "read-write",
      }),
  })
  .meta({
    description: "One object-storage container (Blob container on Azure, Azurite in the cluster).",
    examples: [{ name: "archives", purpose: "Sent issues." }],
  });

export type DatabaseNeed = z.infer<typeof databaseNeedSchema>;
export type RedisNeed = z.infer<typeof redisNeedSchema>;
export type BucketNeed = z.infer<typeof bucketNeedSchema>;
