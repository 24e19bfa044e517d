import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { isPlatformInputError } from "../../components/errors/input-error";
import { loadCatalog } from "../../infra/catalog/load";
import { validateCatalog } from "../../infra/catalog/validate";

// A credential written into a spec's `env` would land in a ConfigMap. Every secret the catalog
// declares, moved into `env` with a value, is refused at input (exit 2 before anything is
// planned), at the field, without the value in the message.

const catalog = loadCatalog().services;
const declared = catalog.flatMap((s) =>
  (s.secrets ?? []).map((secret) => ({ service: s.name, name: secret.name })),
);

describe("credentials in a spec's env", () => {
  it("the catalog declares secrets to move", () => {
    expect(declared.length).toBeGreaterThan(0);
  });
  for (const { service, name } of declared) {
    it(`${service}: ${name} in env is refused without echoing the value`, () => {
      const value = randomBytes(24).toString("base64url");
      const changed = catalog.map((s) =>
        s.name === service ? { ...s, env: { ...s.env, [name]: value } } : s,
      );
      let message = "";
      try {
        validateCatalog(changed);
      } catch (error) {
        if (!isPlatformInputError(error)) throw error;
        message = error.message;
      }
      expect(message).toMatch(new RegExp(`: env\\.${name}: holds .* in plain text`));
      expect(message).not.toContain(value);
    });
  }
});
