import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "./helpers";

// The CLI as CI runs it: `npm run ephemeral -- ...` in a child process, exit codes included.

const NODE_BIN = dirname(process.execPath);

function npm(args: string[], env: Record<string, string> = {}) {
  return spawnSync("npm", ["run", "--silent", "ephemeral", "--", ...args], {
    cwd: ROOT,
    encoding: "utf8",
    // Only Node on PATH: there is no pulumi executable to find.
    env: {
      PATH: `${join(ROOT, "node_modules", ".bin")}:${NODE_BIN}:/usr/bin:/bin`,
      HOME: process.env.HOME ?? "/tmp",
      ...env,
    },
    timeout: 60_000,
  });
}

describe("npm run ephemeral", () => {
  it("prints the usage with --help and exits 0", () => {
    const r = npm(["--help"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^usage: npm run ephemeral -- <command> \[options\]/);
    for (const command of ["up", "down", "env", "list", "reap"])
      expect(r.stdout).toMatch(new RegExp(`^  ${command} `, "m"));
  }, 60_000);

  it("exits 2 on bad usage, with the message on stderr", () => {
    const r = npm(["up", "--id", "42", "--image-tag", "v1", "--ttl", "forever"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/ephemeral: --ttl "forever" is not a duration/);
    expect(r.stdout).toBe("");
  }, 60_000);

  it("exits 1 when the operation cannot run (no Pulumi CLI), after the arguments were accepted", () => {
    const r = npm(["down", "--id", "42"]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/the Pulumi CLI could not be run \(no pulumi executable on PATH\)/);
  }, 60_000);

  it("takes the pipeline id from GitLab's CI_PIPELINE_ID", () => {
    const r = npm(["down"], { CI_PIPELINE_ID: "31337", PULUMI_BACKEND_URL: "s3://state" });
    // The id was accepted; the self-managed backend without a passphrase is the next thing it checks.
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/PULUMI_BACKEND_URL is a self-managed backend \(s3:\/\/state\)/);
  }, 60_000);
});
