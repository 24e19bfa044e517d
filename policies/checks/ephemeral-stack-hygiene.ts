// ephemeral-stack-hygiene: prevents "fifteen minutes before the first test" (field notes 5) and its
// bill. CI provisioned an Azure VM per pipeline and still waited 15 minutes; a per-branch
// environment must be assembled in seconds from the same images, and must clean itself up. An
// ephemeral stack (stack tag platform:ephemeral=true, or a Namespace labelled
// platform.internal/ephemeral=true) must label every Namespace with platform.internal/owner and
// platform.internal/expires-at (label-safe UTC, 20261129T080000Z) so the reaper can find and delete
// it (an expiry already past or beyond maxTtlHours is an advisory note: clock-dependent findings must
// not make a plan fail on a given date), and must not contain slow or sticky managed cloud
// resources: AKS clusters and node pools, PostgreSQL flexible servers and Redis caches take 5-30
// minutes to create, and Key Vaults linger in soft-delete (their names stay taken) after the stack is
// gone. Use in-cluster containers from the same commit instead (the runtime contract's local parity).

import type { StackValidationPolicy } from "@pulumi/policy";
import { EPHEMERAL_LABEL, EPHEMERAL_TAG, labelOf, now } from "../lib/environment";
import { num, strs } from "../lib/json";
import { forStack } from "../lib/policy";
import { configSchema } from "../lib/report";

const POLICY = "ephemeral-stack-hygiene";
export const OWNER_LABEL = "platform.internal/owner";
export const EXPIRES_LABEL = "platform.internal/expires-at";

const SLOW: Record<string, string> = {
  "azure-native:containerservice:ManagedCluster": "an AKS cluster (10-20 minutes to create)",
  "azure-native:containerservice:AgentPool": "an AKS node pool (5-10 minutes per change)",
  "azure-native:dbforpostgresql:Server": "a PostgreSQL flexible server (5-15 minutes to create)",
  "azure-native:redisenterprise:RedisEnterprise": "an Azure Managed Redis cluster (10-30 minutes to create)",
  "azure-native:redisenterprise:Database": "an Azure Managed Redis database",
  "azure-native:redis:Redis": "an Azure Cache for Redis (20-30 minutes to create, and retiring)",
  "azure-native:keyvault:Vault": "a Key Vault (soft-delete keeps its name taken for days after deletion)",
  "azure-native:apimanagement:ApiManagementService": "an API Management service (30-45 minutes to create)",
  "azure-native:network:ApplicationGateway": "an Application Gateway (5-15 minutes to create)",
  "azure-native:documentdb:DatabaseAccount": "a Cosmos DB account (5-10 minutes to create)",
};

/** `20261129T080000Z` -> Date (UTC). */
export function parseExpiresAt(v: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(v);
  if (!m) return undefined;
  const d = new Date(
    Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])),
  );
  return Number.isNaN(d.getTime()) ? undefined : d;
}

export const ephemeralStackHygiene: StackValidationPolicy = {
  name: POLICY,
  description:
    "Ephemeral stacks label their namespaces with owner and expiry, and hold no slow managed cloud resources.",
  enforcementLevel: "mandatory",
  configSchema: configSchema({
    maxTtlHours: {
      type: "number",
      minimum: 1,
      default: 168,
      description: "Longest allowed lifetime of an ephemeral namespace (expires-at minus now).",
    },
    allowedTypes: {
      type: "array",
      items: { type: "string" },
      default: [],
      description: "Managed resource types allowed in ephemeral stacks despite the slow-resource rule.",
    },
    now: { type: "string", description: "ISO 8601 instant used as 'now' (tests and rehearsals)." },
  }),
  validateStack: forStack(POLICY, ({ index, r, cfg, args }) => {
    const byTag = args.stackTags.get(EPHEMERAL_TAG) === "true";
    const labelled = [...index.namespaceObjects.values()].filter(
      (n) => labelOf(n.props, EPHEMERAL_LABEL) === "true",
    );
    if (!byTag && labelled.length === 0) {
      args.notApplicable("not an ephemeral stack");
    }
    const why = byTag
      ? `stack tag ${EPHEMERAL_TAG}=true`
      : `Namespace ${labelled[0]?.target.name} is labelled ${EPHEMERAL_LABEL}=true`;
    const at = now(cfg) ?? new Date();
    const maxTtl = num(cfg.maxTtlHours) ?? 168;
    for (const ns of index.namespaceObjects.values()) {
      const owner = labelOf(ns.props, OWNER_LABEL);
      const expires = labelOf(ns.props, EXPIRES_LABEL);
      const missing = [owner ? undefined : OWNER_LABEL, expires ? undefined : EXPIRES_LABEL].filter(Boolean);
      if (missing.length > 0) {
        r.violation(
          ns.target,
          `the stack is ephemeral (${why}) but metadata.labels lack ${missing.join(" and ")}: nobody can tell whose it is or when the reaper may delete it. Fix: label the namespace with ${OWNER_LABEL}=<owner> and ${EXPIRES_LABEL}=<UTC, e.g. 20261129T080000Z>.`,
        );
        continue;
      }
      const when = parseExpiresAt(expires ?? "");
      if (!when) {
        r.violation(
          ns.target,
          `label ${EXPIRES_LABEL}=${expires} is not a label-safe UTC timestamp like 20261129T080000Z, so the reaper cannot read it.`,
        );
      } else if (when.getTime() <= at.getTime()) {
        // Clock-dependent findings are advisory: a plan must not start failing on a date.
        r.note(
          ns.target,
          `label ${EXPIRES_LABEL}=${expires} is already in the past: the reaper will delete the namespace right away. Fix: set a future expiry.`,
        );
      } else if (when.getTime() - at.getTime() > maxTtl * 3_600_000) {
        r.note(
          ns.target,
          `label ${EXPIRES_LABEL}=${expires} is more than ${maxTtl} h away: ephemeral environments should not outlive their branch. Fix: set an expiry within ${maxTtl} h (the pipeline can extend it).`,
        );
      }
    }
    const allowed = new Set(strs(cfg.allowedTypes));
    for (const o of index.objects) {
      const what = SLOW[o.type];
      if (!what || allowed.has(o.type)) continue;
      r.violation(
        o.target,
        `the stack is ephemeral (${why}) but creates ${what}. Fix: use the in-cluster container built from the same commit (PostgreSQL, Redis, Azurite...) in ephemeral stacks, and keep managed services to long-lived environments.`,
      );
    }
  }),
};
