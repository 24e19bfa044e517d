import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cronProblem } from "../../infra/catalog/cron";
import { SCHEMA_FILE, serviceJsonSchemaText } from "../../infra/catalog/json-schema";
import { nonEmpty } from "../helpers/non-empty";

// The published JSON Schema is generated from the zod schema (`npm run schema`) and documents
// every field; the cron check accepts what Kubernetes accepts and nothing else.

const ROOT = join(__dirname, "..", "..");

type JsonSchema = {
  description?: string;
  examples?: unknown[];
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  $defs?: Record<string, JsonSchema>;
};

/** Every property of every object in the schema, with its path. */
function properties(schema: JsonSchema, path: string, found: Array<[string, JsonSchema]>): void {
  for (const [key, value] of Object.entries(schema.properties ?? {})) {
    found.push([`${path}.${key}`, value]);
    properties(value, `${path}.${key}`, found);
  }
  if (schema.items) properties(schema.items, `${path}[]`, found);
  for (const option of schema.anyOf ?? []) properties(option, path, found);
  for (const [name, def] of Object.entries(schema.$defs ?? {})) properties(def, name, found);
}

describe("the service spec JSON Schema", () => {
  it("is committed as npm run schema writes it (run `npm run schema` after changing components/service/spec)", () => {
    expect(readFileSync(join(ROOT, SCHEMA_FILE), "utf8")).toBe(serviceJsonSchemaText());
  });

  it("gives every field a description and an example", () => {
    const schema = JSON.parse(serviceJsonSchemaText()) as JsonSchema;
    const found: Array<[string, JsonSchema]> = [];
    properties(schema, "", found);
    expect(found.length).toBeGreaterThan(30);
    for (const [path, field] of nonEmpty(found)) {
      expect(field.description, `${path} has no description`).toMatch(/\w/);
      expect(field.examples?.length, `${path} has no example`).toBeGreaterThan(0);
    }
  });
});

describe("cron schedules as Kubernetes reads them", () => {
  it.each([
    "0 8 * * MON",
    "0 8 * * mon-fri",
    "0 0 1 JAN,JUL *",
    "*/15 * * * *",
    "5/10 * * * *",
    "0 9-17/2 * * 1-5",
    "0 0 ? * SUN",
    "59 23 31 12 6",
    "@daily",
    "@hourly",
    "@weekly",
    "@monthly",
    "@yearly",
    "@annually",
    "@midnight",
    "@every 5m",
    "@every 1h30m",
  ])("accepts %s", (schedule) => {
    expect(cronProblem(schedule)).toBeUndefined();
  });

  it.each([
    ["17 25 * * *", /hour 25 is out of range/],
    ["60 * * * *", /minute 60 is out of range/],
    ["0 0 0 * *", /day of month 0 is out of range/],
    ["0 0 * * 7", /day of week 7 is out of range/],
    ["0 0 * FOO *", /month "FOO" is not a number or name/],
    ["0 0 * * * *", /has 6 fields/],
    ["@weekdays", /not a macro Kubernetes knows/],
    ["@every 5 minutes", /needs a duration such as @every 5m/],
    ["1,,2 * * * *", /not a value, range, list or step/],
    ["1-2-3 * * * *", /not a value, range, list or step/],
    ["*/x * * * *", /the step "x"/],
    ["TZ=UTC 0 8 * * *", /time zone inside the schedule/],
  ])("refuses %s", (schedule, message) => {
    expect(cronProblem(schedule)).toMatch(message);
  });
});
