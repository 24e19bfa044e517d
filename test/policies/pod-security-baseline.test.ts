// pod-security-baseline over every fixture of the pack: it fires on its own failure fixtures and on no
// other fixture (the other policies' fixtures are realistic workloads, so a false alarm there is one a
// team would meet), and each finding names the field it read and the fix.

import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { nonEmpty } from "../helpers/non-empty";
import { FIXTURES, loadFixture, runFixture } from "./harness";
import { expectExactOnFixtures } from "./precision";

const POLICY = "pod-security-baseline";

describe(POLICY, () => {
  it("fires on its failure fixtures and on no other fixture", () => {
    expectExactOnFixtures(POLICY);
  });

  it("names the field path and the fix in every finding", () => {
    const failures = readdirSync(join(FIXTURES, POLICY)).filter((f) => f.startsWith("failure."));
    for (const file of nonEmpty(failures)) {
      const report = runFixture(loadFixture(join(FIXTURES, POLICY, file), POLICY));
      for (const v of nonEmpty(
        report.violations.filter((x) => x.policy === POLICY),
        file,
      )) {
        expect(v.message, file).toMatch(/(^|[ :])(spec|metadata)\.[A-Za-z.[\]0-9"/-]*/);
        expect(v.message, file).toContain("Fix: ");
      }
    }
  });
});
