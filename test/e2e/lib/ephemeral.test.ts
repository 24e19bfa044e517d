import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { backendFilesOf, dotenvNames } from "./ephemeral";

// The e2e's "nothing left in the backend" check: it must see every file a file backend keeps for
// a stack, and nothing of a stack whose name merely starts the same way.

describe("backendFilesOf", () => {
  const dir = mkdtempSync(join(tmpdir(), "backend-files-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const touch = (path: string) => {
    mkdirSync(join(dir, ".pulumi", path, ".."), { recursive: true });
    writeFileSync(join(dir, ".pulumi", path), "{}");
  };
  for (const f of [
    "stacks/platform/ci-42.json",
    "stacks/platform/ci-42.json.bak",
    "stacks/platform/ci-42.pulumi-tags",
    "history/platform/ci-42/ci-42-1700000000.history.json",
    "backups/platform/ci-42/ci-42.1700000000.json",
    "locks/platform/ci-42/abc.json",
    "stacks/platform/ci-421.json",
    "stacks/platform/ci-4.json",
  ]) {
    touch(f);
  }
  mkdirSync(join(dir, ".pulumi", "history", "platform", "ci-7"), { recursive: true });

  it("lists the state, backup, history, tags and lock files of the stack", () => {
    expect(backendFilesOf(dir, "ci-42").sort()).toEqual(
      [
        ".pulumi/backups/platform/ci-42/ci-42.1700000000.json",
        ".pulumi/history/platform/ci-42/ci-42-1700000000.history.json",
        ".pulumi/locks/platform/ci-42/abc.json",
        ".pulumi/stacks/platform/ci-42.json",
        ".pulumi/stacks/platform/ci-42.json.bak",
        ".pulumi/stacks/platform/ci-42.pulumi-tags",
      ].sort(),
    );
  });

  it("ignores other stacks and the empty directories a removed stack leaves", () => {
    expect(backendFilesOf(dir, "ci-7")).toEqual([]);
    expect(backendFilesOf(dir, "ci-4")).toEqual([".pulumi/stacks/platform/ci-4.json"]);
  });

  it("finds nothing in a backend that does not exist", () => {
    expect(backendFilesOf(join(dir, "missing"), "ci-42")).toEqual([]);
  });
});

describe("dotenvNames", () => {
  it("reads shell and plain dotenv lines, and skips comments and blanks", () => {
    const text =
      "# endpoints\nPLATFORM_STACK='ci-42'\nexport GATEWAY_URL=http://x\n\nlower=1\nAPP__HOST=a=b\n";
    expect(dotenvNames(text)).toEqual(["PLATFORM_STACK", "GATEWAY_URL", "APP__HOST"]);
  });
});
