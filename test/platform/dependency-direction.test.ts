import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { nonEmpty } from "../helpers/non-empty";

// Dependencies point one way: infra/ (the program), tools/ and stacks/ use components/ (the
// component library), never the reverse. The types a component takes live with the components.

const ROOT = join(__dirname, "..", "..");
const COMPONENTS = join(ROOT, "components");
const FORBIDDEN = ["infra", "tools", "stacks"] as const;

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const path = join(dir, f);
    if (statSync(path).isDirectory()) return f === "node_modules" ? [] : sources(path);
    return /\.(c|m)?[jt]s$/.test(f) ? [path] : [];
  });
}

/** Every module specifier of a file: static imports and exports, dynamic import(), require(). */
function specifiers(text: string): string[] {
  const found: string[] = [];
  const patterns = [
    /\b(?:import|export)\s[^;]*?\sfrom\s*["']([^"']+)["']/g,
    /\bimport\s*["']([^"']+)["']/g,
    /\b(?:import|require)\s*\(\s*["']([^"']+)["']\s*\)/g,
  ];
  for (const re of patterns) for (const m of text.matchAll(re)) found.push(m[1] as string);
  return found;
}

/** The top-level folder a relative specifier of `file` points into, if it leaves components/. */
function forbiddenTarget(file: string, specifier: string): string | undefined {
  if (!specifier.startsWith(".")) return undefined;
  const target = relative(ROOT, resolve(dirname(file), specifier));
  const top = target.split(/[\\/]/)[0];
  return FORBIDDEN.find((f) => f === top);
}

describe("components/ depend on nothing of the program", () => {
  it("reads every import form (static, re-export, dynamic, require)", () => {
    expect(
      specifiers(
        'import a from "../../infra/x";\nexport { b } from "../tools/y";\nconst c = await import("../stacks/z");\nrequire("../../infra/w");\nimport "../../infra/side-effect";',
      ),
    ).toEqual(["../../infra/x", "../tools/y", "../../infra/side-effect", "../stacks/z", "../../infra/w"]);
  });

  it(`no file under components/ imports from ${FORBIDDEN.join("/, ")}/`, () => {
    const offending = nonEmpty(sources(COMPONENTS), "source files under components/").flatMap((file) =>
      specifiers(readFileSync(file, "utf8"))
        .filter((s) => forbiddenTarget(file, s))
        .map((s) => `${relative(ROOT, file)} imports "${s}"`),
    );
    expect(offending, "move the type into components/ and have infra import it from there").toEqual([]);
  });
});
