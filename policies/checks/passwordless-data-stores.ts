// passwordless-data-stores (advisory): prevents database and cache passwords from becoming the
// credential that leaks (field notes 2: a DATABASE_URL in a log, an image or a ticket). On Azure the
// services log in as their workload identity with short-lived Entra tokens instead: PostgreSQL
// flexible servers (azure-native:dbforpostgresql:Server) with authConfig.passwordAuth Disabled
// (Azure's default is Enabled, so an unset value counts as a password) and activeDirectoryAuth
// Enabled; Azure Managed Redis databases (azure-native:redisenterprise:Database) without
// accessKeysAuthentication Enabled. Advisory: password logins stay an explicit, visible fallback
// (platform:azure.postgres.authentication: password, platform:azure.redis.authentication: accessKey).

import type { ResourceValidationPolicy } from "@pulumi/policy";
import { at, isUnknown, str } from "../lib/json";
import { forTypes } from "../lib/policy";
import { configSchema } from "../lib/report";

const POLICY = "passwordless-data-stores";
const SERVER = "azure-native:dbforpostgresql:Server";
const REDIS_DATABASE = "azure-native:redisenterprise:Database";

const lower = (v: unknown) => str(v)?.toLowerCase();

export const passwordlessDataStores: ResourceValidationPolicy = {
  name: POLICY,
  description: "PostgreSQL and Azure Managed Redis accept Entra logins, not passwords or access keys.",
  enforcementLevel: "advisory",
  configSchema: configSchema(),
  validateResource: forTypes(POLICY, [SERVER, REDIS_DATABASE], ({ props, target, r, args }) => {
    if (args.type === REDIS_DATABASE) {
      const keys = props.accessKeysAuthentication;
      if (!isUnknown(keys) && lower(keys) === "enabled") {
        r.violation(
          target,
          "accessKeysAuthentication is Enabled: every client shares the database's access key, a long-lived secret in each DSN. Fix: accessKeysAuthentication: Disabled and an access policy assignment per workload identity (platform:azure.redis.authentication: entra); the services send an Entra access token as their password.",
        );
      }
      return;
    }
    const auth = at(props, "authConfig");
    if (isUnknown(auth)) return;
    const password = at(auth, "passwordAuth");
    const entra = at(auth, "activeDirectoryAuth");
    if (isUnknown(password) || isUnknown(entra)) return;
    if (lower(password) !== "disabled") {
      r.violation(
        target,
        `authConfig.passwordAuth is ${password === undefined ? "unset (Azure's default: Enabled)" : str(password)}: the server has an administrator password and accepts password logins. Fix: authConfig {activeDirectoryAuth: Enabled, passwordAuth: Disabled}, an Entra administrator, and a role per workload identity (platform:azure.postgres.authentication: entra).`,
      );
    } else if (lower(entra) !== "enabled") {
      r.violation(
        target,
        "authConfig.passwordAuth is Disabled but activeDirectoryAuth is not Enabled: nothing can log in. Fix: authConfig.activeDirectoryAuth: Enabled.",
      );
    }
  }),
};
