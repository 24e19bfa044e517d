import { describe, expect, it } from "vitest";
import { loadCatalog } from "../../../infra/catalog/load";
import { readmeRotation } from "./rotation-command";

// The e2e rotates a secret with the README's own commands: the README must keep them in the form
// the e2e runs, and they must name a secret the catalog declares.

describe("readmeRotation", () => {
  it("reads the README's rotation commands, for a secret of the catalog", () => {
    const command = readmeRotation();
    expect(command.key).toBe(`platform:secrets.${command.service}.${command.name}`);
    const spec = loadCatalog().services.find((s) => s.name === command.service);
    expect(spec?.secrets?.map((s) => s.name)).toContain(command.name);
    expect(command.line).toContain(`"$${command.variable}" | pulumi config set --secret --path`);
  });

  it("refuses a README whose rotation puts the value on the command line", () => {
    const readme =
      "### Service secrets and rotation\n\n```sh\npulumi config set --secret --path 'platform:secrets.a.B' new -s prod\npulumi up -s prod\n```\n";
    expect(() => readmeRotation(readme)).toThrow(/expected a sh block of two lines/);
  });
});
