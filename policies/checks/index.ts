// Every policy of the pack, in report order. Imported by the pack (index.ts) and by the offline
// runners; importing it never constructs a PolicyPack.

import type { EnforcementLevel, Policies } from "@pulumi/policy";
import { acrNoAdmin } from "./acr-no-admin";
import { acrPrivatePremium } from "./acr-private-premium";
import { aksApiServerRestricted } from "./aks-api-server-restricted";
import { aksDefended } from "./aks-defended";
import { aksHardened } from "./aks-hardened";
import { azureDiagnosticsProd } from "./azure-diagnostics-prod";
import { defaultDenyNetwork } from "./default-deny-network";
import { deployWindow } from "./deploy-window";
import { dropAllCapabilities } from "./drop-all-capabilities";
import { ephemeralStackHygiene } from "./ephemeral-stack-hygiene";
import { explicitDependencies } from "./explicit-dependencies";
import { httpCacheSafe } from "./http-cache-safe";
import { imagePinned } from "./image-pinned";
import { keyvaultProtected } from "./keyvault-protected";
import { logsToStdout } from "./logs-to-stdout";
import { meaningfulReadiness } from "./meaningful-readiness";
import { migrationsAsJob } from "./migrations-as-job";
import { monitored } from "./monitored";
import { noHostNamespaces } from "./no-host-namespaces";
import { noHostPaths } from "./no-host-paths";
import { noPlaintextSecrets } from "./no-plaintext-secrets";
import { noPrivilegeEscalation } from "./no-privilege-escalation";
import { noPrivileged } from "./no-privileged";
import { passwordlessDataStores } from "./passwordless-data-stores";
import { pdbForReplicated } from "./pdb-for-replicated";
import { podSecurityBaseline } from "./pod-security-baseline";
import { postgresPrivate } from "./postgres-private";
import { protectInfrastructureProd } from "./protect-infrastructure-prod";
import { protectStatefulProd } from "./protect-stateful-prod";
import { readonlyRootFs } from "./readonly-root-fs";
import { redisTlsOnly } from "./redis-tls-only";
import { removedApiPolicy } from "./removed-api";
import { resourcesSet } from "./resources-set";
import { rollbackReady } from "./rollback-ready";
import { runAsNonRoot } from "./run-as-non-root";
import { seccompRuntimeDefault } from "./seccomp-runtime-default";
import { sharedCacheBackend } from "./shared-cache-backend";
import { startupAndLiveness } from "./startup-and-liveness";
import { storagePrivate } from "./storage-private";
import { subnetNsg } from "./subnet-nsg";
import { uniqueObjectNames } from "./unique-object-names";

export const policies: Policies = [
  // Failure modes of the field notes.
  noPlaintextSecrets,
  sharedCacheBackend,
  meaningfulReadiness,
  startupAndLiveness,
  migrationsAsJob,
  noHostPaths,
  explicitDependencies,
  logsToStdout,
  ephemeralStackHygiene,
  httpCacheSafe,
  // Kubernetes hygiene.
  imagePinned,
  resourcesSet,
  runAsNonRoot,
  noPrivilegeEscalation,
  dropAllCapabilities,
  seccompRuntimeDefault,
  noPrivileged,
  noHostNamespaces,
  podSecurityBaseline,
  readonlyRootFs,
  pdbForReplicated,
  defaultDenyNetwork,
  removedApiPolicy,
  uniqueObjectNames,
  // Azure.
  redisTlsOnly,
  passwordlessDataStores,
  postgresPrivate,
  keyvaultProtected,
  storagePrivate,
  aksHardened,
  aksDefended,
  aksApiServerRestricted,
  acrNoAdmin,
  acrPrivatePremium,
  subnetNsg,
  azureDiagnosticsProd,
  protectStatefulProd,
  protectInfrastructureProd,
  // Running it in production.
  monitored,
  rollbackReady,
  // Process.
  deployWindow,
];

/** The pack-wide fallback level (the SDK default), for policies that declare none. */
export const packEnforcementLevel: EnforcementLevel = "advisory";

export const policyIds: readonly string[] = policies.map((p) => p.name);
