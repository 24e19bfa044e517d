import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import Ajv from "ajv";
import addFormats from "ajv-formats";
import { describe, expect, it } from "vitest";
import { ROOT } from "./helpers";
import { loadTemplate } from "./template-yaml";

// Every GitLab CI template validated against GitLab's own schema of .gitlab-ci.yml (fixtures/README.md
// says where it comes from): unknown keywords, misspelt `when:` values, bad `needs:` or
// `environment:` shapes fail here instead of in the user's first pipeline.

const schema = JSON.parse(readFileSync(join(__dirname, "fixtures", "gitlab-ci.schema.json"), "utf8"));
const ajv = new Ajv({ strict: false, allErrors: true });
addFormats(ajv);
const validate = ajv.compile(schema);

const templates = readdirSync(join(ROOT, "ci", "gitlab")).filter((f) => /\.ya?ml$/.test(f));

describe("GitLab CI templates against GitLab's schema", () => {
  it("finds the templates", () => {
    expect(templates).toEqual(expect.arrayContaining([".gitlab-ci.yml", "platform.gitlab-ci.yml"]));
  });

  it.each(templates)("%s is valid", (file) => {
    const valid = validate(loadTemplate(`ci/gitlab/${file}`));
    expect(validate.errors ?? [], file).toEqual([]);
    expect(valid).toBe(true);
  });

  it("rejects what GitLab would reject (the check is real)", () => {
    const ci = loadTemplate("ci/gitlab/platform.gitlab-ci.yml");
    const broken = {
      ...ci,
      "deploy:staging": { ...(ci["deploy:staging"] as object), rules: [{ if: "$X", when: "sometimes" }] },
    };
    expect(validate(broken)).toBe(false);
    expect(
      validate({ ...ci, lint: { ...(ci.lint as object), environment: { name: "x", action: "deploy" } } }),
    ).toBe(false);
  });
});
