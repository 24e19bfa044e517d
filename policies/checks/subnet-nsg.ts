// subnet-nsg: prevents a subnet that no network security group can ever filter: traffic rules
// added later (an incident, an audit finding) need the group to be there first. Every
// azure-native:network:Subnet sets networkSecurityGroup.id.

import type { ResourceValidationPolicy } from "@pulumi/policy";
import { at, isUnknown, str } from "../lib/json";
import { forTypes } from "../lib/policy";
import { configSchema } from "../lib/report";

const POLICY = "subnet-nsg";

export const subnetNsg: ResourceValidationPolicy = {
  name: POLICY,
  description: "Every subnet has a network security group.",
  enforcementLevel: "mandatory",
  configSchema: configSchema(),
  validateResource: forTypes(POLICY, ["azure-native:network:Subnet"], ({ props, target, r }) => {
    const id = at(props, "networkSecurityGroup", "id");
    if (isUnknown(id) || str(id)) return;
    r.violation(
      target,
      "has no network security group (networkSecurityGroup.id is not set). Fix: an azure-native:network:NetworkSecurityGroup per subnet, referenced as networkSecurityGroup: {id}.",
    );
  }),
};
