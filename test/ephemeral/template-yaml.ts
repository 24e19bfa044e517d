// A CI template read as CI reads it: YAML with unique keys, no error and no warning allowed.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import { parseDocument } from "yaml";
import { ROOT } from "./helpers";

export type Yaml = Record<string, unknown>;

/** The template at `relative` (from the repository's root), checked and parsed. */
export function loadTemplate(relative: string): Yaml {
  const doc = parseDocument(readFileSync(join(ROOT, relative), "utf8"), { uniqueKeys: true });
  expect(
    doc.errors.map((e) => e.message),
    relative,
  ).toEqual([]);
  expect(
    doc.warnings.map((e) => e.message),
    relative,
  ).toEqual([]);
  return doc.toJS() as Yaml;
}
