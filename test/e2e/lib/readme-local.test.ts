import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readmeLocalBlock } from "./readme-local";
import { ROOT } from "./toolchain";

// The e2e runs the README's local-cluster commands as written (phases/readme-local-path.ts): the
// README must keep them in a form it can run, and every edit it cannot run must fail here, with
// the reason, rather than be skipped.

const README = readFileSync(join(ROOT, "README.md"), "utf8");
const block = readmeLocalBlock(README);

/** The README with one edit inside the local-cluster block (the edit must apply). */
function edited(from: string | RegExp, to: string): string {
  const at = README.indexOf("### On a local cluster");
  const end = README.indexOf("```\n", README.indexOf("```sh", at) + 5);
  const section = README.slice(at, end);
  const changed = section.replace(from, to);
  expect(changed, `the edit ${String(from)} applies to the block`).not.toBe(section);
  return README.slice(0, at) + changed + README.slice(end);
}

describe("readmeLocalBlock", () => {
  it("reads the README's block: the Docker/kind steps it skips, the images command, the script it runs", () => {
    expect(existsSync(join(ROOT, "stacks", `Pulumi.${block.stack}.yaml`))).toBe(true);
    for (const line of block.machineSpecific) expect(line.trim()).toMatch(/^(kind|docker|for|done)\b/);
    expect(block.imagesCommand).toMatch(
      new RegExp(`^npm run -s images -- .*--stack ${block.stack}\\b.*--app`),
    );
    expect(block.machineSpecific.join("\n")).toContain(`$(${block.imagesCommand})`);
    // Every line of the block is either skipped or run, in the README's order, word for word.
    const lines = README.slice(README.indexOf("### On a local cluster"))
      .split("```sh\n")[1]
      ?.split("```")[0]
      ?.trimEnd()
      .split("\n")
      .filter((l) => l.trim() && !l.trim().startsWith("#"));
    const script = block.script.filter((l) => l.trim() && !l.trim().startsWith("#"));
    expect([...block.machineSpecific, ...script]).toEqual(lines);
    expect(script).toContain("pulumi login --local");
    expect(script.at(-1)).toMatch(/^pulumi up (-s|--stack) \S+ .*--policy-pack-config \S+/);
    expect(block.exports.PULUMI_CONFIG_PASSPHRASE).toBeTruthy();
  });

  it("refuses a line that is neither a Docker/kind step nor a command it runs, naming it", () => {
    const readme = edited(
      "pulumi login --local\n",
      "pulumi login --local\ncurl -fsSL https://get.pulumi.com | sh\n",
    );
    expect(() => readmeLocalBlock(readme)).toThrow(/`curl -fsSL https:\/\/get.pulumi.com \| sh` is neither/);
  });

  it("refuses a login it cannot contain", () => {
    expect(() => readmeLocalBlock(edited("pulumi login --local", "pulumi login"))).toThrow(
      /exactly one `pulumi login --local`/,
    );
  });

  it("refuses `pulumi up` without the pack's config, or confirmed on the command line", () => {
    expect(() => readmeLocalBlock(edited(/ --policy-pack-config \S+/, ""))).toThrow(/--policy-pack-config/);
    expect(() => readmeLocalBlock(edited(/(pulumi up .*)\n/, "$1 --yes\n"))).toThrow(/--policy-pack-config/);
  });

  it("refuses a Docker/kind step after the commands it runs, and commands naming different stacks", () => {
    expect(() =>
      readmeLocalBlock(edited(/(pulumi up .*)\n/, "$1\nkind delete cluster --name platform\n")),
    ).toThrow(/comes after a command the e2e runs/);
    expect(() =>
      readmeLocalBlock(edited("pulumi stack select local --create", "pulumi stack select dev --create")),
    ).toThrow(/the same stack/);
  });

  it("refuses a block without the passphrase the local backend needs", () => {
    expect(() => readmeLocalBlock(edited(/export PULUMI_CONFIG_PASSPHRASE=.*\n/, ""))).toThrow(
      /PULUMI_CONFIG_PASSPHRASE/,
    );
  });
});
