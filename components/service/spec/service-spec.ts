import { z } from "zod";
import { bucketNeedSchema, databaseNeedSchema, redisNeedSchema } from "./backing-needs";
import { frameworkSchema, serviceCommandsSchema } from "./commands";
import { messagingSpecSchema } from "./messaging";
import { phpLimitsSchema } from "./php-limits";
import { routeSpecSchema } from "./route";
import { scheduledJobSpecSchema } from "./scheduled-job";
import { plainSettingsSchema, secretSpecSchema } from "./secrets";
import { sizeSchema } from "./size";

// One service of the platform, as its team writes it (infra/catalog/services/<name>.yaml): the
// single source of the TypeScript types, of the run-time validation and of the published JSON
// Schema (infra/catalog/service.schema.json, `npm run schema`).

export const replicaRangeSchema = z
  .strictObject({
    min: z
      .number()
      .int()
      .min(1)
      .max(50)
      .meta({ description: "Fewest replicas (the HPA's minimum).", examples: [2] }),
    max: z
      .number()
      .int()
      .min(1)
      .max(50)
      .meta({ description: "Most replicas (the HPA's maximum).", examples: [4] }),
  })
  .meta({
    description:
      "Replicas the web Deployment may scale between; min = max means no autoscaler. The stack may override.",
    examples: [{ min: 2, max: 4 }],
  });

export const webSpecSchema = z
  .strictObject({
    size: sizeSchema,
    replicas: replicaRangeSchema.optional().meta({
      description: "Replicas the web Deployment may scale between. Default {min: 1, max: 1}.",
      examples: [{ min: 2, max: 4 }],
    }),
  })
  .meta({
    description: "The web Deployment (FrankenPHP).",
    examples: [{ size: "small", replicas: { min: 2, max: 4 } }],
  });

export const acceptedCycleSchema = z
  .strictObject({
    with: z
      .string()
      .meta({ description: "The other service of the mutual call.", examples: ["notification"] }),
    reason: z.string().meta({
      description: "Why the mutual call is intended (a sentence).",
      examples: ["notification calls back to confirm delivery"],
    }),
  })
  .meta({
    description: "A mutual call the team knows about and accepts.",
    examples: [{ with: "notification", reason: "notification calls back to confirm delivery" }],
  });

export const serviceSpecSchema = z
  .strictObject({
    name: z.string().meta({
      description:
        "DNS-1035 label of at most 30 characters, equal to the file name: it names the Service, the Deployment and the in-cluster host name.",
      examples: ["newsletter"],
    }),
    description: z
      .string()
      .min(1)
      .meta({
        description: "What the service does, in a sentence.",
        examples: ["Weekly newsletters built from content."],
      }),
    image: z
      .string()
      .optional()
      .meta({
        description: "Image repository under the stack's registry. Default: the service name.",
        examples: ["editorial/newsletter"],
      }),
    dependsOn: z.array(z.string()).meta({
      description:
        "Services this one calls. Each becomes an APP__<TARGET>__HOST variable and a network path; [] for none.",
      examples: [["content", "notification"]],
    }),
    acceptedCycles: z
      .array(acceptedCycleSchema)
      .optional()
      .meta({
        description:
          "Mutual calls the team accepts (e.g. a callback). Without an entry here a dependency cycle is rejected: it usually means two services that should be one.",
        examples: [[{ with: "notification", reason: "notification calls back to confirm delivery" }]],
      }),
    database: databaseNeedSchema.optional(),
    redis: z
      .union([redisNeedSchema, z.literal(false)])
      .optional()
      .meta({
        description:
          "Every service gets Redis unless it opts out with false; a service without it cannot run replicated. Default {} (a prefix on the shared instance).",
        examples: [false, { dedicated: true }],
      }),
    buckets: z
      .array(bucketNeedSchema)
      .optional()
      .meta({
        description: "Object-storage containers of the service.",
        examples: [[{ name: "archives", purpose: "Sent issues." }]],
      }),
    messaging: messagingSpecSchema.optional(),
    scheduledJobs: z
      .array(scheduledJobSpecSchema)
      .optional()
      .meta({
        description: "CronJobs of the service.",
        examples: [[{ name: "send", schedule: "0 8 * * MON", command: ["app:newsletter:send"] }]],
      }),
    routes: z
      .array(routeSpecSchema)
      .optional()
      .meta({
        description:
          "Public routes: one HTTPRoute per prefix on the gateway. None: reachable only from its dependents.",
        examples: [[{ pathPrefix: "/newsletter" }]],
      }),
    readinessPath: z.string().meta({
      description:
        "Path that answers 200 only when the app can serve (PHP up, database and Redis reachable).",
      examples: ["/health/ready"],
    }),
    web: webSpecSchema,
    php: phpLimitsSchema.optional(),
    workerModeAudited: z
      .boolean()
      .optional()
      .meta({
        description:
          "FrankenPHP worker mode keeps PHP processes alive across requests: only once the code is audited for state leaking between requests. Default false.",
        examples: [true],
        default: false,
      }),
    framework: frameworkSchema.optional(),
    commands: serviceCommandsSchema.optional(),
    env: plainSettingsSchema.optional(),
    secrets: z
      .array(secretSpecSchema)
      .optional()
      .meta({
        description:
          "Secrets the service reads. Values come from the stack: platform:secrets.<service>.<NAME> (encrypted config), platform:secretRefs (Key Vault, Azure) or generate.",
        examples: [[{ name: "APP_SECRET", generate: { length: 64 } }, { name: "JWT_PASSPHRASE" }]],
      }),
  })
  .meta({
    id: "ServiceSpec",
    title: "Service spec",
    description: "One Symfony service of the platform: what it needs, who it calls, how it runs.",
    examples: [
      {
        name: "newsletter",
        description: "Weekly newsletters built from content.",
        dependsOn: ["content"],
        readinessPath: "/health/ready",
        web: { size: "small" },
      },
    ],
  });

export type ServiceSpec = z.infer<typeof serviceSpecSchema>;
export type WebSpec = z.infer<typeof webSpecSchema>;
export type AcceptedCycle = z.infer<typeof acceptedCycleSchema>;
export type ReplicaRange = z.infer<typeof replicaRangeSchema>;
