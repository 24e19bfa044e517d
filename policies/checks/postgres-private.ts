// postgres-private: prevents the production database from being reachable from the internet, where
// it is one leaked DATABASE_URL (field notes 2) or one brute-forced password away from a breach.
// Azure Database for PostgreSQL flexible server (azure-native:dbforpostgresql:Server) must use
// private access: VNet integration (network.delegatedSubnetResourceId, with a private DNS zone) or
// publicNetworkAccess Disabled behind a private endpoint. A firewall rule that opens 0.0.0.0 to
// 255.255.255.255, or the 0.0.0.0 "allow Azure services" rule (any tenant's Azure resources), is
// flagged too.

import type { ResourceValidationPolicy } from "@pulumi/policy";
import { at, isUnknown, str } from "../lib/json";
import { forTypes } from "../lib/policy";
import { configSchema } from "../lib/report";

const POLICY = "postgres-private";
const SERVER = "azure-native:dbforpostgresql:Server";
const FIREWALL = "azure-native:dbforpostgresql:FirewallRule";

export const postgresPrivate: ResourceValidationPolicy = {
  name: POLICY,
  description: "PostgreSQL flexible servers are reachable only from private networks.",
  enforcementLevel: "mandatory",
  configSchema: configSchema(),
  validateResource: forTypes(POLICY, [SERVER, FIREWALL], ({ props, target, r, args }) => {
    if (args.type === FIREWALL) {
      const start = str(props.startIpAddress);
      const end = str(props.endIpAddress);
      if (start === "0.0.0.0" && (end === "255.255.255.255" || end === "0.0.0.0")) {
        r.violation(
          target,
          `firewall rule ${start}-${end} opens the server to ${end === "0.0.0.0" ? "every Azure customer's resources" : "the whole internet"}. Fix: remove it and use private access (VNet integration or a private endpoint).`,
        );
      }
      return;
    }
    const pna = at(props, "network", "publicNetworkAccess");
    const subnet = at(props, "network", "delegatedSubnetResourceId");
    if (isUnknown(pna) || isUnknown(subnet)) return;
    if (str(pna)?.toLowerCase() === "enabled") {
      r.violation(
        target,
        "network.publicNetworkAccess is Enabled: the server listens on a public endpoint. Fix: VNet integration (network.delegatedSubnetResourceId + privateDnsZoneArmResourceId) or publicNetworkAccess: Disabled with a private endpoint.",
      );
    } else if (subnet === undefined && str(pna)?.toLowerCase() !== "disabled") {
      r.violation(
        target,
        "neither network.delegatedSubnetResourceId nor publicNetworkAccess: Disabled is set, so the server is created with public access. Fix: set network.delegatedSubnetResourceId (a subnet delegated to Microsoft.DBforPostgreSQL/flexibleServers) and network.privateDnsZoneArmResourceId; both are fixed at creation.",
      );
    }
  }),
};
