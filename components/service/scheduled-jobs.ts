import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { objectLabels } from "../kube/labels";
import type { StopBeforeMigration } from "./breaking-release";
import { consoleCommand, type ResolvedCommands } from "./commands";
import { type PodTemplateArgs, podTemplate } from "./pod-template";
import { defaultJobSize, type ScheduledJobSpec } from "./spec";

// Scheduled work as CronJobs that never overlap (concurrencyPolicy Forbid): five pods running the
// same purge at once is what the team's Redis lock protected against; the cluster now does too.

const DEFAULT_DEADLINE_SECONDS = 600;

export interface ScheduledJobArgs {
  service: string;
  namespace: string;
  job: ScheduledJobSpec;
  commands: ResolvedCommands;
  pod: Omit<
    PodTemplateArgs,
    "role" | "command" | "size" | "terminationGracePeriodSeconds" | "restartPolicy" | "spread"
  >;
  dependsOn: pulumi.Resource[];
  /**
   * Breaking schema changes: the CronJob (and any run of it) is gone before the migration runs.
   * @default - the CronJob is updated in place after the migration Job (no breaking release)
   */
  stopBeforeMigration?: StopBeforeMigration;
  parent: pulumi.Resource;
}

export function scheduledJob(args: ScheduledJobArgs): k8s.batch.v1.CronJob {
  const name = `${args.service}-${args.job.name}`;
  return new k8s.batch.v1.CronJob(
    `${name}-cron`,
    {
      metadata: {
        name,
        namespace: args.namespace,
        labels: objectLabels(args.service, "scheduled-job"),
        ...(args.stopBeforeMigration ? { annotations: args.stopBeforeMigration.annotations } : {}),
      },
      spec: {
        schedule: args.job.schedule,
        ...(args.job.timeZone ? { timeZone: args.job.timeZone } : {}),
        concurrencyPolicy: "Forbid",
        startingDeadlineSeconds: 300,
        successfulJobsHistoryLimit: 3,
        failedJobsHistoryLimit: 3,
        jobTemplate: {
          metadata: { labels: objectLabels(args.service, "scheduled-job") },
          spec: {
            backoffLimit: 0,
            activeDeadlineSeconds: args.job.deadlineSeconds ?? DEFAULT_DEADLINE_SECONDS,
            ttlSecondsAfterFinished: 86_400,
            template: podTemplate({
              ...args.pod,
              role: "scheduled-job",
              command: consoleCommand(args.commands, [...args.job.command, "--no-interaction"]),
              size: args.job.size ?? defaultJobSize,
              terminationGracePeriodSeconds: 30,
              restartPolicy: "Never",
              spread: false,
            }),
          },
        },
      },
    },
    { parent: args.parent, dependsOn: args.dependsOn, ...args.stopBeforeMigration?.options },
  );
}
