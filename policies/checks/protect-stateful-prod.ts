// protect-stateful-prod: prevents a refactor (a renamed resource, a changed parent, a replace-forcing
// property) or a stray `pulumi destroy` from deleting production data. The Pulumi `protect` option
// makes the engine refuse to delete the resource until someone removes it on purpose. Applies in
// production stacks (stack tag platform:environment, a Namespace labelled
// platform.internal/environment, or the stack name, matched against productionEnvironments) to the
// stateful Azure resources: PostgreSQL flexible server, Azure Managed Redis (and legacy Azure Cache
// for Redis), storage account (media, ~12 TB), Key Vault.

import type { StackValidationPolicy } from "@pulumi/policy";
import { production, productionSchema } from "../lib/environment";
import { strs } from "../lib/json";
import { forStack } from "../lib/policy";
import { configSchema } from "../lib/report";

const POLICY = "protect-stateful-prod";

export const STATEFUL_TYPES = [
  "azure-native:dbforpostgresql:Server",
  "azure-native:redisenterprise:RedisEnterprise",
  "azure-native:redis:Redis",
  "azure-native:storage:StorageAccount",
  "azure-native:keyvault:Vault",
];

export const protectStatefulProd: StackValidationPolicy = {
  name: POLICY,
  description: "Stateful Azure resources of production stacks carry the Pulumi protect option.",
  enforcementLevel: "mandatory",
  configSchema: configSchema({
    ...productionSchema,
    additionalTypes: {
      type: "array",
      items: { type: "string" },
      default: [],
      description: "More resource types that hold production data.",
    },
  }),
  validateStack: forStack(POLICY, ({ index, r, cfg, args }) => {
    const prod = production(args.stackTags, cfg, index);
    if (!prod.production) args.notApplicable(`not a production stack (${prod.why})`);
    for (const type of [...STATEFUL_TYPES, ...strs(cfg.additionalTypes)]) {
      for (const o of index.byType.get(type) ?? []) {
        if (o.resource.opts.protect === true) continue;
        r.violation(
          o.target,
          `holds production data (${prod.why}) but the resource option protect is not set: a rename, a replace or a destroy would delete it. Fix: pass { protect: true } in the resource options (and retainOnDelete for extra safety).`,
        );
      }
    }
  }),
};
