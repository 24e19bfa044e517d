import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { images } from "../../components/backing/images";
import { nonEmpty } from "../helpers/non-empty";

// `npm run -s images`: the images a stack runs, as the README's local path uses them.

const ROOT = join(__dirname, "..", "..");
const cli = (...args: string[]) =>
  execFileSync(
    process.execPath,
    ["--require", "./tools/fast-start.cjs", "--import", "tsx", "tools/images.ts", ...args],
    {
      cwd: ROOT,
      encoding: "utf8",
    },
  )
    .trim()
    .split("\n");

describe("npm run images", () => {
  it("lists the services' images under the stack's registry and tag, and the third-party images apart", () => {
    const stack = parse(readFileSync(join(ROOT, "stacks", "Pulumi.local.yaml"), "utf8")) as {
      config: Record<string, { registry: string; tag: string }>;
    };
    const { registry, tag } = stack.config["platform:images"] ?? { registry: "", tag: "" };
    const all = cli("--stack", "local");
    const app = cli("--stack", "local", "--app");
    const thirdParty = cli("--stack", "local", "--third-party");
    expect(app.length).toBeGreaterThan(0);
    for (const image of nonEmpty(app)) expect(image).toMatch(new RegExp(`^${registry}/[a-z0-9-]+:${tag}$`));
    expect(new Set(app).size).toBe(app.length);
    expect([...app, ...thirdParty].sort()).toEqual(all);
    expect(thirdParty).toContain(images.postgres);
  }, 120_000);
});
