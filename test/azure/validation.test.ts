import { describe, expect, it } from "vitest";
import { nameProblems, rules, validateAzureNames } from "../../components/azure/naming";
import { PlatformInputError } from "../../components/errors/input-error";
import { plan } from "../helpers/program";
import { stackValues } from "./helpers";

// Bad Azure input fails before anything is registered, with a message that names the key, says
// what is wrong and how to fix it: a name Azure refuses would fail `pulumi up` halfway, after the
// network and the cluster already exist.

function staging(change: (values: Record<string, unknown>, azure: Record<string, unknown>) => void) {
  const values = structuredClone(stackValues("staging"));
  change(values, values.azure as Record<string, unknown>);
  return values;
}

const invalid: Array<[string, Record<string, unknown>, RegExp]> = [
  [
    "a prefix that makes the Key Vault name too long",
    staging((_, a) => {
      a.prefix = "platformservices";
    }),
    /platform:azure\.prefix, platform:azure\.nameSuffix: the Key Vault name "kv-platformservices-plstg" is 25 characters; a Key Vault name has 3 to 24 and must be unique across Azure\n {2}fix: shorten platform:azure\.prefix or platform:azure\.nameSuffix by 1 character in total/,
  ],
  [
    "a prefix with capitals and a hyphen",
    staging((_, a) => {
      a.prefix = "My-Platform";
    }),
    /platform:azure\.prefix: must start with a letter and hold only lower-case letters and digits \(got "My-Platform"\)/,
  ],
  [
    "a uniqueness suffix with an underscore",
    staging((_, a) => {
      a.nameSuffix = "pl_1";
    }),
    /platform:azure\.nameSuffix: must be 3 to 6 lower-case letters or digits \(got "pl_1"\)/,
  ],
  [
    "a uniqueness suffix too long",
    staging((_, a) => {
      a.nameSuffix = "plstaging";
    }),
    /platform:azure\.nameSuffix: must be 3 to 6 lower-case letters or digits/,
  ],
  [
    "a created cluster without its settings",
    staging((_, a) => {
      delete a.aks;
    }),
    /platform:azure\.aks: is required when platform:cluster\.source is aks.*\n {2}fix: add platform:azure\.aks/,
  ],
  [
    "an attached cluster without its identity and network",
    staging((v, a) => {
      v.cluster = { source: "context", context: "aks-shared" };
      delete a.aks;
    }),
    /platform:azure\.existingCluster: is required when the stack attaches to a cluster \(platform:cluster\.source is context\)/,
  ],
  [
    "cluster settings on an attached stack",
    staging((v) => {
      v.cluster = { source: "context" };
    }),
    /platform:azure\.aks: only applies when the stack creates the cluster/,
  ],
  [
    "a subnet outside the address space",
    staging((_, a) => {
      (a.network as Record<string, string>).postgresSubnet = "10.99.16.0/24";
    }),
    /platform:azure\.network\.postgresSubnet: 10\.99\.16\.0\/24 is outside the address space 10\.40\.0\.0\/16/,
  ],
  [
    "overlapping subnets",
    staging((_, a) => {
      (a.network as Record<string, string>).privateEndpointSubnet = "10.40.0.0/24";
    }),
    /platform:azure\.network\.privateEndpointSubnet: 10\.40\.0\.0\/24 overlaps aksSubnet 10\.40\.0\.0\/20/,
  ],
  [
    "zone-redundant PostgreSQL on the Burstable tier",
    staging((_, a) => {
      a.postgres = { tier: "Burstable", skuName: "Standard_B2s", highAvailability: true };
    }),
    /platform:azure\.postgres\.highAvailability: zone-redundant HA is not available on the Burstable tier/,
  ],
  [
    "a Redis SKU of the retiring Azure Cache for Redis",
    staging((_, a) => {
      a.redis = { sku: "Premium_P1" };
    }),
    /platform:azure\.redis\.sku: must be an Azure Managed Redis SKU such as Balanced_B1/,
  ],
  [
    "a Log Analytics retention Azure does not offer",
    staging((_, a) => {
      a.logAnalyticsRetentionDays = 7;
    }),
    /platform:azure\.logAnalyticsRetentionDays: must be 0 \(no workspace\) or 30 to 730 days/,
  ],
];

describe("Azure input errors", () => {
  it.each(invalid)("report %s with the key and the fix, and register nothing", async (_, values, message) => {
    const planned = await plan(values, { stack: "staging" });
    expect(planned.run.error).toBeInstanceOf(PlatformInputError);
    expect(planned.run.error?.message).toMatch(message);
    expect(planned.run.error?.message).toMatch(/\n {2}fix: /);
    expect(planned.resources).toHaveLength(0);
  });
});

describe("Azure naming rules", () => {
  it("report length, charset, edges and double hyphens, each in words", () => {
    expect(nameProblems(rules.storageAccount, "st-platform-plstg")).toEqual([
      'contains "-": a storage account name allows lower-case letters and digits only',
    ]);
    expect(nameProblems(rules.keyVault, "1kv--x")).toEqual([
      "must start with a letter",
      "must not contain consecutive hyphens",
    ]);
    expect(nameProblems(rules.containerRegistry, "acr")[0]).toMatch(
      /is 3 characters; a container registry name has 5 to 50/,
    );
    expect(nameProblems(rules.postgresServer, "psql-Platform-x")).toEqual([
      "contains \"P\": a PostgreSQL flexible server name allows lower-case letters, digits and '-'",
    ]);
    expect(nameProblems(rules.blobContainer, "media-originals")).toEqual([]);
  });

  it("name the catalog entry when a service's own resource breaks a rule", () => {
    let error: unknown;
    try {
      validateAzureNames(
        { prefix: "platform", environment: "prod", suffix: "plprod" },
        [
          {
            name: "media",
            dedicatedDatabase: false,
            dedicatedRedis: false,
            buckets: ["chunks"],
            credentialKeys: [],
          },
          {
            name: "loki",
            dedicatedDatabase: false,
            dedicatedRedis: false,
            buckets: ["chunks"],
            credentialKeys: [],
          },
        ],
        { stackFile: "stacks/Pulumi.prod.yaml", catalogFile: "infra/catalog/services/" },
      );
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PlatformInputError);
    expect((error as Error).message).toMatch(
      /infra\/catalog\/services\/: catalog entry "loki"\.buckets: the blob container "loki-chunks" is also used by Loki/,
    );
  });
});
