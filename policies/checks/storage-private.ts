// storage-private: prevents the media store (~12 TB of user files, field notes 1) from leaking
// through anonymous blob access or an open endpoint. Storage accounts: allowBlobPublicAccess false
// (explicitly), HTTPS only, TLS 1.2 minimum, and publicNetworkAccess Disabled or
// networkRuleSet.defaultAction Deny. Blob containers: publicAccess None. Public assets belong behind a
// CDN that authenticates to the account, not in an anonymous container.

import type { ResourceValidationPolicy } from "@pulumi/policy";
import { at, isUnknown, str } from "../lib/json";
import { forTypes } from "../lib/policy";
import { configSchema } from "../lib/report";

const POLICY = "storage-private";
const ACCOUNT = "azure-native:storage:StorageAccount";
const CONTAINER = "azure-native:storage:BlobContainer";

export const storagePrivate: ResourceValidationPolicy = {
  name: POLICY,
  description:
    "Storage accounts and blob containers allow no anonymous or unencrypted access and no open network.",
  enforcementLevel: "mandatory",
  configSchema: configSchema(),
  validateResource: forTypes(POLICY, [ACCOUNT, CONTAINER], ({ props, target, r, args }) => {
    if (args.type === CONTAINER) {
      const access = str(props.publicAccess);
      if (access !== undefined && access !== "None") {
        r.violation(
          target,
          `publicAccess is ${access}: anyone with the URL can read the blobs. Fix: publicAccess: None; serve public files through a CDN or signed URLs.`,
        );
      }
      return;
    }
    if (props.allowBlobPublicAccess !== false && !isUnknown(props.allowBlobPublicAccess)) {
      r.violation(
        target,
        "allowBlobPublicAccess is not false: one container set to public exposes its files anonymously. Fix: allowBlobPublicAccess: false.",
      );
    }
    if (props.enableHttpsTrafficOnly === false) {
      r.violation(
        target,
        "enableHttpsTrafficOnly is false: blobs and keys can travel over plain HTTP. Fix: remove it (HTTPS only is the default).",
      );
    }
    const tls = props.minimumTlsVersion;
    if (!isUnknown(tls) && str(tls) !== "TLS1_2" && str(tls) !== "TLS1_3") {
      r.violation(
        target,
        `minimumTlsVersion is ${str(tls) ?? "not set"}: older TLS versions are accepted. Fix: minimumTlsVersion: TLS1_2.`,
      );
    }
    const pna = props.publicNetworkAccess;
    const acl = at(props, "networkRuleSet", "defaultAction");
    if (isUnknown(pna) || isUnknown(acl)) return;
    if (str(pna)?.toLowerCase() !== "disabled" && str(acl)?.toLowerCase() !== "deny") {
      r.violation(
        target,
        "the account accepts connections from every network (publicNetworkAccess not Disabled and networkRuleSet.defaultAction not Deny). Fix: a private endpoint with publicNetworkAccess: Disabled, or networkRuleSet {defaultAction: Deny} with the cluster's subnet allowed.",
      );
    }
  }),
};
