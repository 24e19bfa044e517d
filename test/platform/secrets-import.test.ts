import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readSecrets } from "../../tools/secrets-import";
import { catalog } from "../helpers/catalog";

// The one-shot SOPS import, run as docs/runtime-contract.md shows it (after `sops -d`), against a
// stand-in `pulumi` that records its arguments and the value it read on stdin.

const ROOT = join(__dirname, "..", "..");
const service = catalog.find((s) => (s.secrets ?? []).length >= 2);
if (!service) throw new Error("no catalog service declares two secrets");
const names = (service.secrets ?? []).map((s) => s.name);

function fakePulumi(): { bin: string; log: string } {
  const dir = mkdtempSync(join(tmpdir(), "fake-pulumi-"));
  const log = join(dir, "calls.log");
  const bin = join(dir, "pulumi");
  writeFileSync(bin, `#!/bin/sh\nprintf '%s|%s\\n' "$*" "$(cat)" >> ${log}\n`);
  chmodSync(bin, 0o755);
  return { bin, log };
}

const run = (input: string, args: string[], env: Record<string, string> = {}) =>
  spawnSync("npm", ["run", "--silent", "secrets:import", "--", ...args], {
    cwd: ROOT,
    input,
    encoding: "utf8",
    env: { ...process.env, ...env },
  });

describe("npm run secrets:import", () => {
  it("sets each secret of a decrypted SOPS file with pulumi config set --secret --path, value on stdin", () => {
    const { bin, log } = fakePulumi();
    const yaml = names.map((n, i) => `${n}: "value-${i}-x9"`).join("\n");
    const r = run(yaml, ["--stack", "dev", "--service", service.name], { PULUMI_BINARY: bin });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const calls = readFileSync(log, "utf8").trim().split("\n");
    expect(calls).toEqual(
      names.map(
        (n, i) =>
          `config set --secret --path platform:secrets.${service.name}.${n} --stack dev|value-${i}-x9`,
      ),
    );
    // never a value on a command line or in what it prints
    expect(r.stdout).not.toMatch(/value-\d-x9/);
  }, 60_000);

  it("refuses a key the service does not declare, and a file still encrypted, with exit 2", () => {
    const { bin, log } = fakePulumi();
    const unknown = run("NOT_DECLARED: x\n", ["--stack", "dev", "--service", service.name], {
      PULUMI_BINARY: bin,
    });
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/declares no secret NOT_DECLARED/);
    const encrypted = run(`${names[0]}: ENC[AES256_GCM,data:x]\nsops:\n  version: 3.9.0\n`, [
      "--stack",
      "dev",
      "--service",
      service.name,
    ]);
    expect(encrypted.status).toBe(2);
    expect(encrypted.stderr).toMatch(/still encrypted/);
    expect(() => readFileSync(log)).toThrow();
  }, 60_000);

  it("reads dotenv files too (what `sops -d` prints for a .env file)", () => {
    expect(readSecrets(`# c\n${names[0]}='a=b'\nexport ${names[1]}="c"\n`)).toEqual({
      [names[0] as string]: "a=b",
      [names[1] as string]: "c",
    });
  });
});
