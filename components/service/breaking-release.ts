import type * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";

// Breaking migrations without overlap (`database.schemaChanges: breaking`): no pod of the old image
// may run while the migration Job changes the schema under it. A rolling update cannot give that
// (the Job runs while the old ReplicaSet serves) and neither can the Recreate strategy alone (it
// stops old pods only when the new ReplicaSet starts, after the Job). The order comes from the
// Pulumi engine itself, so it holds on any cluster:
//
//   1. a gate resource, keyed on the image, is replaced delete-before-replace on a new image;
//   2. the service's Deployments and CronJobs declare `replaceWith: [gate]`: the engine deletes
//      them before it deletes the old gate (its delete-before-replace cascade), and Pulumi waits
//      until each is gone; foreground deletion makes that "until its pods are gone";
//   3. the migration Job depends on the gate: it starts after those deletions;
//   4. the workloads depend on the Job: they are created again, with the new image, after it.
//
// The service is down from step 2 to the end of step 4: that is the price of a breaking schema
// change, and the reason the catalog makes it an explicit, reviewed choice.

/** Makes Pulumi wait for a deleted workload's pods, not only for the object. */
export const FOREGROUND_DELETION: Readonly<Record<string, string>> = {
  "pulumi.com/deletionPropagationPolicy": "foreground",
};

/** What a workload of a breaking-schema service adds to its metadata and resource options. */
export interface StopBeforeMigration {
  annotations: Record<string, string>;
  options: Pick<pulumi.CustomResourceOptions, "replaceWith" | "deleteBeforeReplace">;
}

export interface BreakingRelease {
  /** The migration Job depends on it: it runs once the old workloads are gone. */
  gate: pulumi.Resource;
  workloads: StopBeforeMigration;
}

/** The Pulumi name of a service's gate. */
export function releaseGateName(service: string): string {
  return `${service}-release`;
}

/** The gate of one service: replaced (delete first) whenever its image changes. */
export function breakingRelease(service: string, image: string, parent: pulumi.Resource): BreakingRelease {
  const gate = new random.RandomId(
    releaseGateName(service),
    { byteLength: 4, keepers: { image } },
    { parent, deleteBeforeReplace: true },
  );
  return {
    gate,
    workloads: {
      annotations: { ...FOREGROUND_DELETION },
      options: { replaceWith: [gate], deleteBeforeReplace: true },
    },
  };
}
