import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { isPlatformInputError, SHOWN_PROBLEMS } from "../../components/errors/input-error";
import { containerSizeSchema } from "../../components/service/spec/size";
import { loadCatalog } from "../../infra/catalog/load";

// What a spec mistake is called: the message names the field that is wrong and the rule it
// breaks, never the schema's internals ("Invalid key in record", "a mapping is not accepted
// here" for a mapping that has one wrong field), and says each mistake once.

const CATALOG = join(__dirname, "..", "..", "infra", "catalog", "services");
const files = readdirSync(CATALOG)
  .filter((f) => f.endsWith(".yaml"))
  .sort();

function specOf(file: string): Record<string, unknown> {
  return parse(readFileSync(join(CATALOG, file), "utf8"));
}

function problems(file: string, spec: Record<string, unknown>): string[] {
  const path = join(mkdtempSync(join(tmpdir(), "spec-messages-")), file);
  writeFileSync(path, stringify(spec));
  try {
    loadCatalog({ specFiles: [path] });
  } catch (error) {
    if (!isPlatformInputError(error)) throw error;
    return error.problems.map((p) => `${p.field}: ${p.problem}`);
  }
  return [];
}

const [first] = files;
if (!first) throw new Error("empty catalog");

describe("a size mapping with a wrong field", () => {
  for (const field of Object.keys(containerSizeSchema.shape)) {
    it(`web.size with ${field} misspelt names that field`, () => {
      const spec = specOf(first);
      const misspelt = `${field}x`;
      const found = problems(first, { ...spec, web: { ...(spec.web as object), size: { [misspelt]: 1 } } });
      expect(
        found.some((p) => p.startsWith(`web.size.${misspelt}: unknown field`)),
        found.join("\n"),
      ).toBe(true);
      expect(found.join("\n")).not.toMatch(/is not accepted here/);
    });
  }
});

describe("an env variable whose name breaks the rule", () => {
  const withEnv = files.find((f) => Object.keys((specOf(f).env as object | undefined) ?? {}).length > 0);
  if (!withEnv) throw new Error("no catalog service has env");
  const [name] = Object.keys(specOf(withEnv).env as object);
  for (const bad of [name?.toLowerCase(), `1${name}`, `${name}-X`, `${name} `]) {
    it(`env key ${JSON.stringify(bad)} is named with the rule`, () => {
      const spec = specOf(withEnv);
      const found = problems(withEnv, { ...spec, env: { ...(spec.env as object), [bad as string]: "x" } });
      expect(found).toHaveLength(1);
      expect(found[0]).toContain(`the key ${JSON.stringify(bad)} must be`);
      expect(found[0]).not.toMatch(/Invalid key/);
    });
  }
});

describe("each mistake is said once", () => {
  it("an integer beyond the safe range in every numeric field of web gives one problem per field", () => {
    const spec = specOf(first);
    const fields = Object.keys(containerSizeSchema.shape);
    const size = Object.fromEntries(fields.map((f) => [f, 10 ** 20]));
    const found = problems(first, { ...spec, web: { ...(spec.web as object), size } });
    expect(found.length).toBeLessThanOrEqual(SHOWN_PROBLEMS);
    expect(new Set(found).size).toBe(found.length);
    expect(found.map((p) => p.split(":")[0]).sort()).toEqual(fields.map((f) => `web.size.${f}`).sort());
  });
});
