import type * as pulumi from "@pulumi/pulumi";
import type { ServiceSpec } from "../service/spec";

// Field notes, failure mode 1: shared files live in an attached object store chosen by
// environment (Flysystem's lazy adapter), never on a host path or a ReadWriteMany volume.

/** Flysystem settings, the same in both profiles: one adapter (Blob), selected by environment. */
export function objectStoreSettings(
  service: ServiceSpec,
  endpoint: pulumi.Input<string>,
  account: pulumi.Input<string>,
  auth: "connection-string" | "workload-identity",
): Record<string, pulumi.Input<string>> {
  const settings: Record<string, pulumi.Input<string>> = {
    APP__FLYSYSTEM_MEDIA_STORAGE: "azure_blob",
    APP__STORAGE__ENDPOINT: endpoint,
    APP__STORAGE__ACCOUNT: account,
    APP__STORAGE__AUTH: auth,
  };
  for (const b of service.buckets ?? []) {
    settings[`APP__STORAGE__${b.name.toUpperCase().replaceAll("-", "_")}__CONTAINER`] =
      `${service.name}-${b.name}`;
  }
  return settings;
}
