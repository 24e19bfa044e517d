import { describe, expect, it } from "vitest";
import { successfulUpdates } from "../../stacks/rollback/plan";
import { update } from "./fake-driver";

// The self-managed (file, S3, Azure Blob) backend reports version 0 for every update in
// `pulumi stack history --json`, as the e2e's rollback on real pods showed: newest first must then
// come from the start time.

describe("successful updates", () => {
  it("are newest first by start time when every version is 0", () => {
    const older = { ...update(1, "2026.11.3"), version: 0 };
    const newer = { ...update(2, "2026.11.4"), version: 0 };
    const failed = { ...update(3, "2026.11.5", { result: "failed" }), version: 0 };
    expect(successfulUpdates([older, failed, newer]).map((u) => u.startTime)).toEqual([
      newer.startTime,
      older.startTime,
    ]);
  });

  it("are newest first by version when the backend numbers them", () => {
    expect(successfulUpdates([update(1, "a"), update(3, "c"), update(2, "b")]).map((u) => u.version)).toEqual(
      [3, 2, 1],
    );
  });
});
