import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  ENVIRONMENTS,
  environments,
  environmentsWhere,
  environmentTableMarkdown,
} from "../../infra/config/environments";
import { stackConfigSchema } from "../../infra/config/schema";
import { ephemeralStackHygiene } from "../../policies/checks/ephemeral-stack-hygiene";
import { DEFAULT_PRODUCTION } from "../../policies/lib/environment";
import { MAX_TTL_MS, parseTtl } from "../../stacks/ephemeral/ttl";
import { nonEmpty } from "../helpers/non-empty";

// What `platform:environment` changes is one table (infra/config/environments.ts): the schema
// accepts exactly its environments, the README quotes it, and the policy pack (published on its
// own, so it states its defaults itself) agrees with it.

const ROOT = join(__dirname, "..", "..");

describe("the environment table", () => {
  it("is what the schema accepts as platform:environment", () => {
    for (const e of nonEmpty(environments)) {
      const parsed = stackConfigSchema.shape.environment.safeParse(e);
      expect(parsed.success, e).toBe(true);
    }
    expect(stackConfigSchema.shape.environment.options).toEqual(environments);
  });

  it("is quoted in the README's configuration reference", () => {
    expect(readFileSync(join(ROOT, "README.md"), "utf8")).toContain(`${environmentTableMarkdown()}\n`);
  });

  it("agrees with the policy pack on production and on the longest TTL of an ephemeral stack", () => {
    const production = nonEmpty(
      environmentsWhere((b) => b.production),
      "production environments",
    );
    for (const e of environments) expect(DEFAULT_PRODUCTION.includes(e), e).toBe(production.includes(e));
    const ephemeral = nonEmpty(
      environments.flatMap((e) => {
        const b = ENVIRONMENTS[e].ephemeral;
        return b ? [b] : [];
      }),
      "ephemeral environments",
    );
    const schema = ephemeralStackHygiene.configSchema?.properties?.maxTtlHours as { default: number };
    for (const b of ephemeral) {
      expect(b.maxTtlHours).toBe(schema.default);
      expect(parseTtl(b.defaultTtl)).toBeLessThanOrEqual(MAX_TTL_MS);
    }
  });
});
