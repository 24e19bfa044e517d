import { z } from "zod";
import { serviceSpecSchema } from "../../components/service/spec";

// The published JSON Schema of a service spec (infra/catalog/service.schema.json), generated from
// the zod schema so that editors, the run-time validation and the TypeScript types cannot drift.
// `npm run schema` writes it; a test fails when the committed file is stale.

export const SCHEMA_FILE = "infra/catalog/service.schema.json";

export function serviceJsonSchemaText(): string {
  const schema = z.toJSONSchema(serviceSpecSchema, {
    target: "draft-2020-12",
    io: "input",
    unrepresentable: "throw",
  });
  return `${JSON.stringify(schema, null, 2)}\n`;
}
