// One table-driven test over every fixture: the outcome is in the file name (Polaris style).
// failure.*: at least one violation of exactly that policy, naming the resource, matching every
// `# expect:` line (and `# level:` when given). success.*: no violation of that policy at all.

import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { policyIds } from "../../policies/checks";
import { nonEmpty } from "../helpers/non-empty";
import { FIXTURES, loadFixture, runFixture } from "./harness";

const dirs = readdirSync(FIXTURES, { withFileTypes: true })
  .filter((d) => d.isDirectory() && !d.name.startsWith("_"))
  .map((d) => d.name)
  .sort();

describe("fixture layout", () => {
  it("has a fixture directory for every policy and no stray directory", () => {
    expect(dirs).toEqual([...policyIds].sort());
  });

  it.each([...policyIds])("%s has at least one success and one failure fixture", (id) => {
    const files = readdirSync(join(FIXTURES, id));
    expect(files.filter((f) => f.startsWith("success.")).length).toBeGreaterThan(0);
    expect(files.filter((f) => f.startsWith("failure.")).length).toBeGreaterThan(0);
  });
});

for (const policy of nonEmpty(dirs)) {
  describe(policy, () => {
    const files = readdirSync(join(FIXTURES, policy))
      .filter((f) => /\.ya?ml$/.test(f))
      .sort();
    for (const file of nonEmpty(files)) {
      const fixture = loadFixture(join(FIXTURES, policy, file), policy);
      it(`${fixture.outcome}.${fixture.name}`, () => {
        const report = runFixture(fixture);
        const mine = report.violations.filter((v) => v.policy === policy);
        if (fixture.outcome === "success") {
          expect(mine.map((v) => v.message)).toEqual([]);
          return;
        }
        expect(mine.length, `expected a ${policy} violation`).toBeGreaterThan(0);
        expect(fixture.expect.length, `${file} needs at least one '# expect:' line`).toBeGreaterThan(0);
        for (const text of nonEmpty(fixture.expect)) {
          expect(
            mine.some((v) => v.message.includes(text)),
            `no ${policy} message contains ${JSON.stringify(text)}:\n${mine.map((v) => v.message).join("\n")}`,
          ).toBe(true);
        }
        for (const v of nonEmpty(mine)) {
          // Every finding names its resource (stack-wide findings start with "Stack").
          if (v.resource.kind === "Stack") expect(v.message.startsWith("Stack")).toBe(true);
          else expect(v.message).toContain(v.resource.name);
          if (fixture.level) expect(v.enforcementLevel).toBe(fixture.level);
        }
      });
    }
  });
}
