import { describe, expect, it } from "vitest";
import { INTERNALS_CHECKS, internalsProblems } from "../../tools/pulumi-internals/shapes";
import { VERIFIED_VERSIONS } from "../../tools/pulumi-internals/versions";
import { nonEmpty } from "../helpers/non-empty";

// The upgrade guard of tools/pulumi-internals: an upgrade of @pulumi/pulumi or @pulumi/policy that
// changes a version or an internal shape fails here, with a message naming the module and what to
// re-read, instead of a plan or a policy run going wrong later.

describe("tools/pulumi-internals", () => {
  it("checks every area it wraps, and both packages' versions", () => {
    for (const [area, checks] of nonEmpty(Object.entries(INTERNALS_CHECKS)))
      expect(checks.length, area).toBeGreaterThan(0);
    expect(Object.keys(VERIFIED_VERSIONS).sort()).toEqual(["@pulumi/policy", "@pulumi/pulumi"]);
    expect(INTERNALS_CHECKS.versions).toHaveLength(Object.keys(VERIFIED_VERSIONS).length);
  });

  it("finds the installed SDKs as it was verified against (versions and internal shapes)", async () => {
    const problems = await internalsProblems();
    // One line per problem, each starting with the module's name: that is the whole message.
    expect(problems.join("\n"), "tools/pulumi-internals no longer matches the installed Pulumi SDKs").toBe(
      "",
    );
  });
});
