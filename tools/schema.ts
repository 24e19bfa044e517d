import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { SCHEMA_FILE, serviceJsonSchemaText } from "../infra/catalog/json-schema";

// `npm run schema`: writes the JSON Schema of a service spec, which every spec file names on its
// first line (`# yaml-language-server: $schema=../service.schema.json`) for editor completion.

const path = join(resolve(__dirname, ".."), SCHEMA_FILE);
writeFileSync(path, serviceJsonSchemaText());
console.log(`wrote ${SCHEMA_FILE}`);
