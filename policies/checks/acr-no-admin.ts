// acr-no-admin: prevents a shared, never-rotated registry password from becoming the way images get
// pulled or pushed: the ACR admin user is one static credential with push rights for everyone who
// ever saw it. CI pushes with a federated identity, AKS pulls with its kubelet identity (AcrPull).
// Anonymous pull is flagged too: it publishes every image, and images carry code.

import type { ResourceValidationPolicy } from "@pulumi/policy";
import { forTypes } from "../lib/policy";
import { configSchema } from "../lib/report";

const POLICY = "acr-no-admin";

export const acrNoAdmin: ResourceValidationPolicy = {
  name: POLICY,
  description: "Container registries have the admin user and anonymous pull disabled.",
  enforcementLevel: "mandatory",
  configSchema: configSchema(),
  validateResource: forTypes(POLICY, ["azure-native:containerregistry:Registry"], ({ props, target, r }) => {
    if (props.adminUserEnabled === true) {
      r.violation(
        target,
        "adminUserEnabled is true: one static password with push rights. Fix: adminUserEnabled: false; CI pushes with a federated identity (AcrPush), AKS pulls with its kubelet identity (AcrPull).",
      );
    }
    if (props.anonymousPullEnabled === true) {
      r.violation(
        target,
        "anonymousPullEnabled is true: anyone can pull the platform's images. Fix: anonymousPullEnabled: false.",
      );
    }
  }),
};
