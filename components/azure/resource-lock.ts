import * as authorization from "@pulumi/azure-native/authorization";
import type * as pulumi from "@pulumi/pulumi";

// A production resource must survive more than a Pulumi mistake: `protect` stops the engine, an
// Azure `CanNotDelete` lock stops everyone else (the portal, `az`, another tool's cleanup). The
// lock also covers the resource's children (a node pool, a blob container), so removing one of
// those in production starts with `az lock delete` on purpose (docs/azure.md).

export const LOCK_NAME = "platform-cannot-delete";

export function lockAgainstDelete(
  name: string,
  scope: pulumi.Input<string>,
  what: string,
  opts: pulumi.CustomResourceOptions,
): authorization.ManagementLockByScope {
  return new authorization.ManagementLockByScope(
    `${name}-lock`,
    {
      scope,
      level: authorization.LockLevel.CanNotDelete,
      lockName: LOCK_NAME,
      notes: `${what}: production, managed by Pulumi (platform). Remove the lock only to delete it on purpose.`,
    },
    opts,
  );
}
