import { consoleCommand, type ResolvedCommands, resolveCommands } from "./commands";
import type { ScheduledJobSpec, ServiceSpec } from "./spec";

// Which one-off and periodic processes a service runs, from its catalog entry and its commands.

/** Laravel's scheduler runs every minute; the CronJob's name is `<service>-scheduler`. */
export const SCHEDULER_JOB_NAME = "scheduler";

export interface ServiceProcesses {
  commands: ResolvedCommands;
  /** Full command lines of the release Job, in order; empty: no release Job. */
  release: string[][];
  scheduledJobs: ScheduledJobSpec[];
}

/** `hasDatabase`: a preset's migration needs one; release commands the entry names run regardless. */
export function serviceProcesses(spec: ServiceSpec, hasDatabase: boolean): ServiceProcesses {
  const commands = resolveCommands(spec.framework, spec.commands);
  const releases = hasDatabase || spec.commands?.release ? commands.release : [];
  const scheduler: ScheduledJobSpec[] =
    commands.schedule.length > 0
      ? [
          {
            name: SCHEDULER_JOB_NAME,
            schedule: "* * * * *",
            command: commands.schedule,
            deadlineSeconds: 600,
          },
        ]
      : [];
  return {
    commands,
    release: releases.map((c) => consoleCommand(commands, c)),
    scheduledJobs: [...(spec.scheduledJobs ?? []), ...scheduler],
  };
}
