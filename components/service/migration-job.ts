import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { shortHash } from "../kube/hash";
import { objectLabels } from "../kube/labels";
import { resourceRequirements } from "../kube/resources";
import { type PodTemplateArgs, podTemplate } from "./pod-template";

// Migrations as a one-off admin process (factor XII): same image, same environment, run once per
// release, and the web rollout waits for it to succeed (field notes, failure mode 8). Never in the
// image build (no database there) and never in the entrypoint (every pod races to migrate).

export const MIGRATION_COMMAND = [
  "php",
  "bin/console",
  "doctrine:migrations:migrate",
  "--no-interaction",
  "--all-or-nothing",
];

export interface MigrationSettings {
  ttlSecondsAfterFinished: number;
  activeDeadlineSeconds: number;
  backoffLimit: number;
}

export interface MigrationJobArgs {
  service: string;
  namespace: string;
  image: string;
  settings: MigrationSettings;
  pod: Omit<
    PodTemplateArgs,
    "role" | "command" | "resources" | "terminationGracePeriodSeconds" | "restartPolicy" | "spread"
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
          command: MIGRATION_COMMAND,
          resources: resourceRequirements("small"),
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
