import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { shortHash } from "../kube/hash";
import { objectLabels } from "../kube/labels";
import { type PodTemplateArgs, podTemplate } from "./pod-template";

// Migrations as a one-off admin process (factor XII): same image, same environment, run once per
// release, and the web rollout waits for it to succeed (field notes, failure mode 8). Never in the
// image build (no database there) and never in the entrypoint (every pod races to migrate).

export interface MigrationSettings {
  ttlSecondsAfterFinished: number;
  activeDeadlineSeconds: number;
  backoffLimit: number;
}

export interface MigrationJobArgs {
  service: string;
  namespace: string;
  image: string;
  /** Full command lines, run in order (the release commands of components/service/commands.ts). */
  commands: string[][];
  settings: MigrationSettings;
  pod: Omit<
    PodTemplateArgs,
    | "role"
    | "command"
    | "initCommands"
    | "size"
    | "terminationGracePeriodSeconds"
    | "restartPolicy"
    | "spread"
  >;
  /** The database must accept the service's role before the migration connects. */
  dependsOn: pulumi.Resource[];
  parent: pulumi.Resource;
}

/** The Job's name carries the image: a new image is a new Job, so the migration runs again. */
export function migrationJobName(service: string, image: string): string {
  return `${service}-migrate-${shortHash(image)}`;
}

export function migrationJob(args: MigrationJobArgs): k8s.batch.v1.Job {
  const name = migrationJobName(args.service, args.image);
  const last = args.commands.at(-1);
  if (!last) throw new Error(`internal: a release Job for ${args.service} without a command`);
  return new k8s.batch.v1.Job(
    `${args.service}-migration`,
    {
      metadata: { name, namespace: args.namespace, labels: objectLabels(args.service, "migration") },
      spec: {
        backoffLimit: args.settings.backoffLimit,
        activeDeadlineSeconds: args.settings.activeDeadlineSeconds,
        // Finished Jobs are cleaned up by the cluster; Pulumi keeps the record in its state.
        ttlSecondsAfterFinished: args.settings.ttlSecondsAfterFinished,
        template: podTemplate({
          ...args.pod,
          role: "migration",
          // Earlier release commands run as init containers: in order, each one must succeed.
          command: last,
          initCommands: args.commands.slice(0, -1),
          size: "small",
          terminationGracePeriodSeconds: 30,
          restartPolicy: "Never",
          spread: false,
        }),
      },
    },
    {
      parent: args.parent,
      dependsOn: args.dependsOn,
      // Job specs are immutable: any change is a new Job, created before the old one goes.
      replaceOnChanges: ["spec"],
      customTimeouts: { create: `${args.settings.activeDeadlineSeconds + 120}s` },
    },
  );
}
