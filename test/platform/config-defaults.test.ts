import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { stackConfigSchema } from "../../infra/config/schema";
import { nonEmpty } from "../helpers/non-empty";

// Defaults are stated once, on the field. A section that may be left out is `.prefault({})` (the
// empty section is parsed, so its fields' defaults apply); a `.default({...})` on an object section
// would have to restate them, and drifts from them the day one changes.

type Def = { type: string; innerType?: z.ZodType; shape?: Record<string, z.ZodType>; options?: z.ZodType[] };

function defOf(schema: z.ZodType): Def {
  return (schema as unknown as { def: Def }).def;
}

/** Every object section reachable from the schema, with its path, and how each field defaults. */
function walk(schema: z.ZodType, path: string, found: { path: string; kind: string }[]): void {
  const def = defOf(schema);
  if (def.type === "default" || def.type === "prefault") {
    const inner = defOf(def.innerType as z.ZodType);
    const objects = inner.type === "object" || (inner.options ?? []).some((o) => defOf(o).type === "object");
    if (objects) found.push({ path, kind: def.type });
  }
  if (def.innerType) walk(def.innerType, path, found);
  for (const [k, v] of Object.entries(def.shape ?? {})) walk(v, path ? `${path}.${k}` : k, found);
  for (const o of def.options ?? []) walk(o, path, found);
}

describe("stack config defaults", () => {
  it("are stated on the fields: no object section restates them in a .default({...})", () => {
    const sections: { path: string; kind: string }[] = [];
    walk(stackConfigSchema, "", sections);
    nonEmpty(sections, "sections that may be left out");
    expect(sections.filter((s) => s.kind === "default").map((s) => s.path)).toEqual([]);
  });
});
