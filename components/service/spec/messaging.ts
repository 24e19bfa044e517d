import { z } from "zod";
import { defaultJobSize, sizeSchema } from "./size";

// What a service declares on the message broker (RabbitMQ): its exchanges, its queues and the
// consumers (Deployments running `bin/console messenger:consume`) that read them.

export const exchangeSpecSchema = z
  .strictObject({
    name: z.string().meta({
      description: "Exchange name: lower-case words joined by '.', '-' or '_'.",
      examples: ["media"],
    }),
    type: z
      .enum(["direct", "topic", "fanout", "headers"])
      .meta({ description: "AMQP exchange type.", examples: ["topic"] }),
  })
  .meta({
    description: "An exchange the service publishes to.",
    examples: [{ name: "media", type: "topic" }],
  });

export const queueSpecSchema = z
  .strictObject({
    name: z.string().meta({
      description: "Queue name: lower-case words joined by '.', '-' or '_'.",
      examples: ["media.thumbnails"],
    }),
    bindings: z
      .array(
        z
          .strictObject({
            exchange: z
              .string()
              .meta({ description: "One of the service's own exchanges.", examples: ["media"] }),
            routingKey: z
              .string()
              .meta({ description: "AMQP routing key or pattern.", examples: ["media.uploaded"] }),
          })
          .meta({
            description: "A binding to one of the service's exchanges.",
            examples: [{ exchange: "media", routingKey: "media.uploaded" }],
          }),
      )
      .meta({
        description: "Bindings of this queue to the service's own exchanges.",
        examples: [[{ exchange: "media", routingKey: "media.uploaded" }]],
      }),
    deadLetter: z
      .boolean()
      .optional()
      .meta({
        description: "A dead-letter queue <name>.dlq receives what the consumer rejects. Default true.",
        examples: [false],
        default: true,
      }),
    kind: z
      .enum(["quorum", "classic"])
      .optional()
      .meta({
        description:
          "Quorum queues survive a broker node loss; classic only for throwaway queues. Default quorum.",
        examples: ["classic"],
        default: "quorum",
      }),
  })
  .meta({
    description: "A queue the service owns.",
    examples: [{ name: "media.thumbnails", bindings: [{ exchange: "media", routingKey: "media.uploaded" }] }],
  });

export const consumerSpecSchema = z
  .strictObject({
    name: z.string().meta({
      description: "DNS-1123 label, unique within the service; the Deployment is named <service>-<name>.",
      examples: ["thumbnailer"],
    }),
    queues: z
      .array(z.string())
      .meta({ description: "Queues of this service it consumes.", examples: [["media.thumbnails"]] }),
    replicas: z
      .number()
      .int()
      .min(1)
      .max(50)
      .optional()
      .meta({
        description: "Replicas of the consumer Deployment (capped by the stack's replicaCap). Default 1.",
        examples: [2],
        default: 1,
      }),
    size: sizeSchema
      .optional()
      .meta({ description: `Container size. Default ${defaultJobSize}.`, examples: ["large"] }),
    stopTimeoutSeconds: z
      .number()
      .int()
      .min(1)
      .max(86_400)
      .optional()
      .meta({
        description:
          "Seconds a consumer may take to finish its message after SIGTERM (Flight's stop_wait_timeout).",
        examples: [300],
      }),
    timeLimitSeconds: z
      .number()
      .int()
      .min(1)
      .optional()
      .meta({
        description: "Passed as --time-limit: consumers restart regularly to shed leaked memory.",
        examples: [3600],
      }),
  })
  .meta({
    description: "A message consumer: one Deployment running bin/console messenger:consume <queues>.",
    examples: [{ name: "thumbnailer", queues: ["media.thumbnails"], size: "large" }],
  });

export const messagingSpecSchema = z
  .strictObject({
    exchanges: z
      .array(exchangeSpecSchema)
      .meta({ description: "The service's exchanges.", examples: [[{ name: "media", type: "topic" }]] }),
    queues: z.array(queueSpecSchema).meta({
      description: "The service's queues.",
      examples: [
        [{ name: "media.thumbnails", bindings: [{ exchange: "media", routingKey: "media.uploaded" }] }],
      ],
    }),
    consumers: z.array(consumerSpecSchema).meta({
      description: "The service's consumers.",
      examples: [[{ name: "thumbnailer", queues: ["media.thumbnails"] }]],
    }),
  })
  .meta({
    description: "Exchanges, queues and consumers on the platform's RabbitMQ (a vhost per service).",
    examples: [
      {
        exchanges: [{ name: "media", type: "topic" }],
        queues: [
          { name: "media.thumbnails", bindings: [{ exchange: "media", routingKey: "media.uploaded" }] },
        ],
        consumers: [{ name: "thumbnailer", queues: ["media.thumbnails"] }],
      },
    ],
  });

export type ExchangeSpec = z.infer<typeof exchangeSpecSchema>;
export type QueueSpec = z.infer<typeof queueSpecSchema>;
export type ConsumerSpec = z.infer<typeof consumerSpecSchema>;
export type MessagingSpec = z.infer<typeof messagingSpecSchema>;
