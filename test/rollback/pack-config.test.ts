import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadPackConfig } from "../../policies/runner/config";
import { withPackConfig } from "../../stacks/rollback/automation-driver";

// The rollback previews and updates with the stack's pack config, as CI does with
// `npm run policy -- config --stack <name>`: without its exemptions the pack refuses every stack
// (the log shipper's hostPath mount).

describe("the rollback's pack config", () => {
  it("is the stack's merged config, in a file that exists only during the operation", async () => {
    let seen = "";
    const config = await withPackConfig("prod", async (file) => {
      seen = file;
      return JSON.parse(readFileSync(file, "utf8")) as unknown;
    });
    expect(config).toEqual(JSON.parse(JSON.stringify(loadPackConfig("prod"))));
    expect(existsSync(seen)).toBe(false);
  });

  it("uses the stack's own name for a fully qualified one", async () => {
    const config = await withPackConfig("acme/platform/prod", async (file) => readFileSync(file, "utf8"));
    expect(JSON.parse(config)).toEqual(JSON.parse(JSON.stringify(loadPackConfig("prod"))));
  });
});
