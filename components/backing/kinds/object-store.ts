import type * as pulumi from "@pulumi/pulumi";
import type { BackingKind } from "../kind";
import type { BucketNeed } from "../types";

// Object storage (field notes, failure mode 1): shared files live in an attached object store
// chosen by environment (Flysystem's lazy adapter, one Blob adapter in both profiles), never on a
// host path or a ReadWriteMany volume. One container per declared bucket, named
// `<service>-<bucket>`, on the platform's account: there is no dedicated variant.

export type ObjectStoreConnection = {
  endpoint: pulumi.Input<string>;
  account: pulumi.Input<string>;
} & ({ auth: "connection-string"; connectionString: pulumi.Output<string> } | { auth: "workload-identity" });

export const objectStoreKind: BackingKind<
  readonly BucketNeed[],
  ObjectStoreConnection,
  "APP__STORAGE__CONNECTION_STRING"
> = {
  name: "object-store",
  field: "buckets",
  need: (spec) => (spec.buckets?.length ? spec.buckets : undefined),
  credentialKeys: ["APP__STORAGE__CONNECTION_STRING"],
  environment: (spec, connection) => {
    const settings: Record<string, pulumi.Input<string>> = {
      APP__FLYSYSTEM_MEDIA_STORAGE: "azure_blob",
      APP__STORAGE__ENDPOINT: connection.endpoint,
      APP__STORAGE__ACCOUNT: connection.account,
      APP__STORAGE__AUTH: connection.auth,
    };
    for (const b of spec.buckets ?? []) {
      settings[`APP__STORAGE__${b.name.toUpperCase().replaceAll("-", "_")}__CONTAINER`] =
        `${spec.name}-${b.name}`;
    }
    return {
      settings,
      // Workload identity needs no secret: the pod's token is the credential.
      credentials:
        connection.auth === "connection-string"
          ? { APP__STORAGE__CONNECTION_STRING: connection.connectionString }
          : {},
    };
  },
};
