// redis-tls-only: prevents sessions, locks and cached personal data from crossing the network in
// clear text. The runtime contract uses `rediss://` (TLS, port 10000) on Azure. Azure Managed Redis
// (azure-native:redisenterprise): the cluster's minimumTlsVersion must be 1.2 (the default when
// unset) and each Database's clientProtocol must be Encrypted (the default), not Plaintext. Legacy
// Azure Cache for Redis (azure-native:redis:Redis): enableNonSslPort must not be true and
// minimumTlsVersion must be 1.2; it also gets an advisory note, because Azure Cache for Redis is
// retiring (Enterprise 2027-03-31, Basic/Standard/Premium 2028-09-30) and new caches are blocked for
// new tenants.

import type { ResourceValidationPolicy } from "@pulumi/policy";
import { str } from "../lib/json";
import { forTypes } from "../lib/policy";
import { configSchema } from "../lib/report";

const POLICY = "redis-tls-only";
const ENTERPRISE = "azure-native:redisenterprise:RedisEnterprise";
const DATABASE = "azure-native:redisenterprise:Database";
const LEGACY = "azure-native:redis:Redis";

function weakTls(v: unknown): string | undefined {
  const s = str(v);
  return s !== undefined && s !== "1.2" && s !== "1.3" ? s : undefined;
}

export const redisTlsOnly: ResourceValidationPolicy = {
  name: POLICY,
  description: "Redis on Azure accepts TLS 1.2+ connections only.",
  enforcementLevel: "mandatory",
  configSchema: configSchema(),
  validateResource: forTypes(POLICY, [ENTERPRISE, DATABASE, LEGACY], ({ props, target, r, args }) => {
    const tls = weakTls(props.minimumTlsVersion);
    if (args.type !== DATABASE && tls) {
      r.violation(
        target,
        `minimumTlsVersion is ${tls}: clients may negotiate a broken TLS version. Fix: minimumTlsVersion: "1.2".`,
      );
    }
    if (args.type === DATABASE && str(props.clientProtocol)?.toLowerCase() === "plaintext") {
      r.violation(
        target,
        "clientProtocol is Plaintext: sessions, locks and cache entries travel unencrypted. Fix: clientProtocol: Encrypted and connect with rediss:// on port 10000.",
      );
    }
    if (args.type === LEGACY) {
      if (props.enableNonSslPort === true) {
        r.violation(
          target,
          "enableNonSslPort is true: the plain-text port 6379 is open. Fix: enableNonSslPort: false, connect with rediss:// on 6380.",
        );
      }
      r.note(
        target,
        "Azure Cache for Redis is retiring (Enterprise tiers 2027-03-31, Basic/Standard/Premium 2028-09-30; new caches are blocked for new tenants). Plan the move to Azure Managed Redis (azure-native:redisenterprise, clusteringPolicy EnterpriseCluster for phpredis/Predis).",
      );
    }
  }),
};
