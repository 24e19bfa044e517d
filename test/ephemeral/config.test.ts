import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ServiceGraph } from "../../infra/catalog/graph";
import {
  buildStackConfig,
  type EphemeralRequest,
  parseServiceTags,
  parseTemplate,
  readTemplate,
  toConfigJson,
  toProgramConfig,
} from "../../stacks/ephemeral/config";
import { UsageError } from "../../stacks/ephemeral/errors";
import { ephemeralName } from "../../stacks/ephemeral/naming";
import { parseServiceList, selectServices } from "../../stacks/ephemeral/services";
import { catalog } from "../helpers/catalog";
import { nonEmpty } from "../helpers/non-empty";
import { ROOT, SHA } from "./helpers";

function request(overrides: Partial<EphemeralRequest> = {}): EphemeralRequest {
  return {
    name: ephemeralName("4242"),
    owner: "jane",
    ref: "feature-login",
    commit: SHA,
    imageTag: SHA.slice(0, 8),
    expiresAt: "2026-11-29T18:00:00Z",
    ...overrides,
  };
}

describe("the ci template", () => {
  it("is read from stacks/Pulumi.ci.yaml and is a ci, in-cluster template without secrets", () => {
    const t = readTemplate(ROOT);
    expect(t.path).toBe("stacks/Pulumi.ci.yaml");
    expect(t.config["platform:environment"]).toBe("ci");
    expect(t.config["platform:profile"]).toBe("in-cluster");
    expect(t.config["platform:quota"]).toBeDefined();
  });

  it("refuses a missing file, invalid YAML, encrypted values and a non-ci environment", () => {
    const dir = mkdtempSync(join(tmpdir(), "ephemeral-template-"));
    expect(() => readTemplate(dir)).toThrow(/stacks\/Pulumi.ci.yaml does not exist/);
    expect(() => parseTemplate("config: [")).toThrow(/is not valid YAML/);
    expect(() => parseTemplate("other: 1")).toThrow(/"config" must be a map/);
    expect(() =>
      parseTemplate("config:\n  platform:environment: ci\n  platform:kubeconfig:\n    secure: AAAA\n"),
    ).toThrow(/platform:kubeconfig is encrypted \(secure:\).*cannot be decrypted by another stack/);
    expect(() => parseTemplate("config:\n  platform:environment: staging\n")).toThrow(
      /platform:environment is "staging": the template of ephemeral stacks must be a ci environment/,
    );
    writeFileSync(join(dir, "custom.yaml"), "config:\n  platform:environment: ci\n");
    expect(readTemplate(dir, "custom.yaml").config).toEqual({ "platform:environment": "ci" });
  });
});

describe("buildStackConfig", () => {
  const template = readTemplate(ROOT);

  it("fills namespace, image tag and ephemeral metadata, and keeps the rest of the template", () => {
    const config = buildStackConfig(template, request());
    expect(config["platform:namespace"]).toBe("ci-4242");
    expect(config["platform:images"]).toEqual({ registry: "registry.example.com/platform", tag: "01234567" });
    expect(config["platform:ephemeral"]).toEqual({
      pipeline: "4242",
      owner: "jane",
      ref: "feature-login",
      commit: SHA,
      expiresAt: "2026-11-29T18:00:00Z",
    });
    expect(config["platform:quota"]).toEqual(template.config["platform:quota"]);
    expect(config["platform:cluster"]).toEqual(template.config["platform:cluster"]);
    expect(config["platform:backing"]).toEqual({ persistence: "ephemeral", volumeSizeGi: 1 });
    expect(config).not.toHaveProperty("platform:only");
    // The template object itself is not modified.
    expect(template.config["platform:namespace"]).toBe("ci-template");
  });

  it("makes owner and ref label-safe and keeps the hashed slug as the pipeline label", () => {
    const config = buildStackConfig(
      template,
      request({ name: ephemeralName("Feature/X"), owner: "dependabot[bot]", ref: "feature/Login_2" }),
    );
    const e = config["platform:ephemeral"] as Record<string, string>;
    expect(e.owner).toBe("dependabot-bot");
    expect(e.ref).toBe("feature-Login_2");
    expect(e.pipeline).toMatch(/^feature-x-[0-9a-f]{8}$/);
    expect(config["platform:namespace"]).toBe(`ci-${e.pipeline}`);
  });

  it("writes platform:only from --services, and per-service image tags from --service-tag", () => {
    const services = selectServices(["content"], catalog);
    const config = buildStackConfig(template, request({ services, serviceTags: { media: "3f2a1b9" } }));
    expect(config["platform:only"]).toEqual(["content"]);
    expect(config["platform:services"]).toEqual({ media: { imageTag: "3f2a1b9" } });
  });

  it("refuses what the program would refuse, naming the key and the fix", () => {
    const noQuota = parseTemplate(
      "config:\n  platform:environment: ci\n  platform:profile: in-cluster\n  platform:images:\n    registry: registry.example.com/platform\n    tag: '1'\n",
    );
    expect(() => buildStackConfig(noQuota, request())).toThrow(UsageError);
    expect(() => buildStackConfig(noQuota, request())).toThrow(
      /platform:quota: is required for ephemeral stacks so one pipeline cannot starve the cluster\n {4}fix: set quota/,
    );
    expect(() => buildStackConfig(template, request({ imageTag: "latest" }))).toThrow(
      /platform:images.tag: is a moving tag/,
    );
    const typo = parseTemplate(`config:\n  platform:environment: ci\n  platform:replicaCapp: 1\n`);
    expect(() => buildStackConfig(typo, request())).toThrow(
      /platform:replicaCapp: unknown key\n {4}fix: remove it or correct its spelling in stacks\/Pulumi.ci.yaml/,
    );
    expect(() => buildStackConfig(typo, request())).toThrow(/platform:images.registry: is required/);
  });
});

describe("--service-tag and --services", () => {
  it("parses service=tag pairs and checks names and tags", () => {
    expect(parseServiceTags(["media=abc1234", "content=v1.2.3"], catalog)).toEqual({
      media: "abc1234",
      content: "v1.2.3",
    });
    expect(() => parseServiceTags(["media"], catalog)).toThrow(/must be <service>=<image tag>/);
    expect(() => parseServiceTags(["media="], catalog)).toThrow(/must be <service>=<image tag>/);
    expect(() => parseServiceTags(["nope=abc"], catalog)).toThrow(
      /"nope", which is not a service of the catalog/,
    );
    expect(() => parseServiceTags(["media=latest"], catalog)).toThrow(/is a moving tag/);
  });

  it("selects the named services plus their transitive dependencies, in catalog order", () => {
    const graph = new ServiceGraph(catalog);
    const order = catalog.map((s) => s.name);
    for (const s of nonEmpty(catalog)) {
      const selection = selectServices([s.name], catalog);
      expect(selection.requested).toEqual([s.name]);
      expect(selection.deployed).toEqual(graph.closure([s.name]));
      expect(selection.deployed).toEqual(order.filter((n) => selection.deployed.includes(n)));
    }
    const [first, last] = [catalog[0]?.name as string, catalog.at(-1)?.name as string];
    expect(selectServices([last, first], catalog).deployed).toEqual(graph.closure([first, last]));
  });

  it("reports unknown names with a suggestion and the list of services", () => {
    const name = catalog.find((s) => s.name.length >= 5)?.name as string;
    const typo = `${name.slice(0, 2)}${name[3]}${name[2]}${name.slice(4)}`;
    let message = "";
    try {
      selectServices([typo, name], catalog);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain(`"${typo}" is not a service of the catalog (did you mean "${name}"?)`);
    expect(message).toContain(`\n  services: ${catalog.map((s) => s.name).join(", ")}`);
    expect(() => selectServices(["xyz", "abc"], catalog)).toThrow(/names services the catalog does not have/);
  });

  it("splits comma lists, drops duplicates and refuses empty entries", () => {
    expect(parseServiceList(["content,media", "content", " shorty "])).toEqual([
      "content",
      "media",
      "shorty",
    ]);
    expect(() => parseServiceList(["content,,media"])).toThrow(/has an empty entry/);
    expect(() => parseServiceList([""])).toThrow(UsageError);
  });
});

describe("config encodings", () => {
  const values = {
    "platform:namespace": "ci-1",
    "platform:replicaCap": 1,
    "platform:images": { registry: "r.example.com/p", tag: "abc1234" },
    "platform:only": ["content"],
  };

  it("hands the program JSON text per key, strings as they are", () => {
    expect(toProgramConfig(values)).toEqual({
      "platform:namespace": "ci-1",
      "platform:replicaCap": "1",
      "platform:images": '{"registry":"r.example.com/p","tag":"abc1234"}',
      "platform:only": '["content"]',
    });
  });

  it("gives `pulumi config set-all --json` structured values as objectValue, never as secrets", () => {
    const json = JSON.parse(toConfigJson(values)) as Record<string, Record<string, unknown>>;
    expect(json["platform:namespace"]).toEqual({ value: "ci-1", secret: false });
    expect(json["platform:replicaCap"]).toEqual({ value: "1", secret: false });
    expect(json["platform:images"]).toEqual({
      value: '{"registry":"r.example.com/p","tag":"abc1234"}',
      objectValue: { registry: "r.example.com/p", tag: "abc1234" },
      secret: false,
    });
    expect(json["platform:only"]?.objectValue).toEqual(["content"]);
  });
});
