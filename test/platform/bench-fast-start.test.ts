import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

// `npm run bench:fast-start` as docs/benchmarks.md shows it: it prints figures (no timing is
// asserted here: a loaded machine must not fail a build), and refuses a bad --runs with exit 2.

const ROOT = join(__dirname, "..", "..");

function bench(...args: string[]) {
  return spawnSync("npm", ["run", "-s", "bench:fast-start", "--", ...args], { cwd: ROOT, encoding: "utf8" });
}

describe("npm run bench:fast-start", () => {
  it("plans with and without the preload and prints wall, CPU and peak memory for both", () => {
    const r = bench("--runs", "1");
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^plan local, 1 alternating runs each, medians:$/m);
    for (const row of ["with fast-start.cjs", "without"])
      expect(r.stdout).toMatch(
        new RegExp(`^ {2}${row} +wall \\d+\\.\\d\\d s {3}CPU \\d+\\.\\d\\d s {3}peak \\d+ MiB$`, "m"),
      );
  }, 240_000);

  it("refuses --runs 0 with one line and exit 2", () => {
    const r = bench("--runs", "0");
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe("--runs takes a whole number of at least 1");
  });
});
