import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadPackConfig } from "../../policies/runner/config";
import { withPolicyGate } from "../../stacks/ephemeral/policy-pack";

// Rollbacks, the post-deploy check's automatic rollback and ephemeral stacks preview and update
// with the stack's pack config, as CI does with `npm run policy -- config --stack <name>`: without
// its exemptions the pack refuses every stack (the log shipper's hostPath mount).

describe("the policy gate of an Automation API operation", () => {
  it("is the pack directory and the stack's merged config, in a file that exists only during the operation", async () => {
    let seen = "";
    const config = await withPolicyGate("/pack", "prod", async (gate) => {
      expect(gate.policyPacks).toEqual(["/pack"]);
      seen = gate.policyPackConfigs[0] as string;
      return JSON.parse(readFileSync(seen, "utf8")) as unknown;
    });
    expect(config).toEqual(JSON.parse(JSON.stringify(loadPackConfig("prod"))));
    expect(existsSync(seen)).toBe(false);
  });

  it("uses the stack's own name for a fully qualified one", async () => {
    const config = await withPolicyGate("/pack", "acme/platform/prod", async (gate) =>
      readFileSync(gate.policyPackConfigs[0] as string, "utf8"),
    );
    expect(JSON.parse(config)).toEqual(JSON.parse(JSON.stringify(loadPackConfig("prod"))));
  });
});
