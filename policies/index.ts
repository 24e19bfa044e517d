// The CrossGuard pack. This is the only module that constructs a PolicyPack: the gRPC server it
// starts allows one pack per process. Run with `pulumi preview --policy-pack policies
// [--policy-pack-config <merged config>]`; the offline runners import ./checks instead.

import { PolicyPack } from "@pulumi/policy";
import { packEnforcementLevel, policies } from "./checks";

new PolicyPack("platform", {
  policies,
  // Each policy declares its own level (failure modes and hygiene: mandatory; readonly-root-fs:
  // advisory); this is only the fallback, as in the SDK.
  enforcementLevel: packEnforcementLevel,
  description:
    "The failure modes of PHP platforms moving to Kubernetes on Azure (secrets in config, local caches, readiness that proves nothing, migrations in the entrypoint, CI-runner paths, hidden dependencies, file logs), plus Kubernetes and Azure hygiene and a production deploy window.",
  provider: "kubernetes",
  tags: ["kubernetes", "azure", "php", "symfony"],
});
