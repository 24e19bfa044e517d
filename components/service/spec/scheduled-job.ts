import { z } from "zod";
import { defaultJobSize, sizeSchema } from "./size";

// A CronJob of the service (concurrencyPolicy Forbid): a Symfony console command on a schedule.

export const scheduledJobSpecSchema = z
  .strictObject({
    name: z.string().meta({
      description: "DNS-1123 label, unique within the service; the CronJob is named <service>-<name>.",
      examples: ["send"],
    }),
    schedule: z.string().meta({
      description:
        "Kubernetes cron expression: five fields (minute hour day-of-month month day-of-week, with names JAN-DEC and SUN-SAT, ranges, lists and steps), a macro such as @daily, or @every <duration>.",
      examples: ["0 8 * * MON", "*/15 * * * *", "@daily"],
    }),
    command: z.array(z.string()).meta({
      description: "The Symfony console command and its arguments.",
      examples: [["app:sitemap:generate"]],
    }),
    timeZone: z
      .string()
      .optional()
      .meta({
        description: "IANA time zone of the schedule. Default: the cluster's (UTC).",
        examples: ["Europe/Paris"],
      }),
    size: sizeSchema
      .optional()
      .meta({ description: `Container size. Default ${defaultJobSize}.`, examples: ["medium"] }),
    deadlineSeconds: z
      .number()
      .int()
      .min(1)
      .optional()
      .meta({
        description: "Kill the run after this many seconds.",
        examples: [1800],
      }),
  })
  .meta({
    description: "A scheduled job: a CronJob running a console command.",
    examples: [{ name: "send", schedule: "0 8 * * MON", command: ["app:newsletter:send"] }],
  });

export type ScheduledJobSpec = z.infer<typeof scheduledJobSpecSchema>;
