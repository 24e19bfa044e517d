import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { backingImages } from "../../../components/backing/images";
import { httpCacheImages } from "../../../components/http-cache/images";
import * as platformScript from "../../../components/in-cluster/scripts/create-blob-containers.mjs";
import { resolveImages } from "../../../components/kube/third-party-images";
import { debianImageArchive } from "./debian";
import { e2eImageOverrides } from "./overrides";
import { debianRecipes } from "./recipes";
import { frame, method, parseAmqpDsn, parseFrames, shortstr, table } from "./verification/amqp";
import { parseConnectionString, stringToSign } from "./verification/blob";
import { processArgs } from "./verification/pod";
import { keyMatching } from "./verification/rabbitmq";
import { ROOT } from "./verification/rendered";
import { verificationUnavailable } from "./verify";

// The pieces of the image verification that need no container (how a pod's process is put
// together, the AMQP framing, Shared Key signing, the overrides), then the verification itself
// (test/e2e/images/verify.ts) wherever this machine can run it and the images are built.

describe("image overrides", () => {
  it("name every recipe under the pinned image it honours, and the program resolves them", () => {
    const overrides = e2eImageOverrides();
    const names = Object.values(debianRecipes).map((r) => r.name);
    expect(Object.values(overrides).sort()).toEqual([...names].sort());
    const resolved = {
      ...backingImages({ overrides }),
      ...resolveImages(httpCacheImages, { overrides }),
    } as Record<string, string>;
    for (const [key, name] of Object.entries(overrides)) expect(resolved[key]).toBe(name);
  });
});

describe("a pod's process as the kubelet builds it", () => {
  const image = { Entrypoint: ["docker-entrypoint.sh"], Cmd: ["server", "--flag"] };
  const base = { name: "c", image: "i" };
  it.each([
    [{}, ["docker-entrypoint.sh", "server", "--flag"]],
    [{ args: ["other"] }, ["docker-entrypoint.sh", "other"]],
    [{ command: ["azurite-blob"] }, ["azurite-blob"]],
    [{ command: ["node", "x.mjs"], args: ["--a"] }, ["node", "x.mjs", "--a"]],
  ])("%j runs %j", (fields, want) => {
    expect(processArgs({ ...base, ...fields }, image)).toEqual(want);
  });
});

describe("AMQP 0-9-1 framing", () => {
  it("splits frames, keeping a partial one for later", () => {
    const a = frame(1, 0, method(10, 40, shortstr("vhost")));
    const b = frame(1, 3, method(20, 10, shortstr("")));
    const { frames, rest } = parseFrames(Buffer.concat([a, b.subarray(0, 5)]));
    expect(frames).toHaveLength(1);
    expect(frames[0]?.payload.readUInt16BE(0)).toBe(10);
    expect(rest).toHaveLength(5);
    expect(parseFrames(Buffer.concat([rest, b.subarray(5)])).frames[0]?.channel).toBe(3);
  });

  it("encodes a field table with its length", () => {
    const t = table({ capabilities: { x: true } });
    expect(t.readUInt32BE(0)).toBe(t.length - 4);
    expect(t.includes(Buffer.from("capabilitiesF"))).toBe(true);
  });

  it("reads a Messenger DSN and matches a topic pattern", () => {
    expect(parseAmqpDsn("amqp://media:p%40ss@rabbitmq.platform.svc.cluster.local:5672/media")).toEqual({
      host: "rabbitmq.platform.svc.cluster.local",
      port: 5672,
      user: "media",
      password: "p@ss",
      vhost: "media",
    });
    expect(keyMatching("media.*")).toBe("media.e2e");
    expect(keyMatching("request")).toBe("request");
  });
});

describe("Shared Key signing", () => {
  it("signs a container creation exactly as the platform's setup script does", () => {
    const date = new Date(0).toUTCString();
    const ours = stringToSign({
      verb: "PUT",
      account: "media",
      path: "/media/media-originals",
      query: { restype: "container" },
      headers: { "x-ms-date": date, "x-ms-version": "2021-08-06", "content-length": "0" },
    });
    expect(ours).toBe(platformScript.stringToSign("media", "media-originals", date));
  });

  it("reads a connection string", () => {
    expect(
      parseConnectionString(
        "DefaultEndpointsProtocol=http;AccountName=media;AccountKey=a2V5;BlobEndpoint=http://azurite:10000/media;",
      ),
    ).toEqual({ account: "media", key: "a2V5", endpoint: "http://azurite:10000/media" });
  });
});

/** Why the verification does not run here, or undefined. */
function skipReason(): string | undefined {
  const missing = verificationUnavailable();
  if (missing) return missing;
  const unbuilt = [debianRecipes.rabbitmq, debianRecipes.azurite].filter(
    (r) => !existsSync(debianImageArchive(r)),
  );
  if (unbuilt.length > 0) {
    return `${unbuilt.map((r) => r.name).join(", ")} not built (node --require ./tools/fast-start.cjs --import tsx test/e2e/images/build.ts)`;
  }
  return undefined;
}

const skipped = skipReason();
if (skipped) console.log(`e2e images verification: SKIPPED (${skipped})`);

describe.skipIf(skipped !== undefined)("the RabbitMQ and Azurite images as the local stack runs them", () => {
  it(
    "pass every check of test/e2e/images/verify.ts",
    () => {
      const r = spawnSync(
        process.execPath,
        ["--require", "./tools/fast-start.cjs", "--import", "tsx", "test/e2e/images/verify.ts"],
        { cwd: ROOT, encoding: "utf8", timeout: 10 * 60_000 },
      );
      const output = `${r.stdout}${r.stderr}`;
      expect(output, output).toMatch(/^\d+ passed, 0 failed$/m);
      expect(r.status, output).toBe(0);
    },
    11 * 60_000,
  );
});

describe("test/e2e/README.md", () => {
  it("shows the images.overrides mapping the recipes give", () => {
    const readme = readFileSync(join(ROOT, "test", "e2e", "README.md"), "utf8");
    const block = /```yaml\n(platform:images:\n {2}overrides:\n[\s\S]*?)```/.exec(readme)?.[1];
    expect(block, "a yaml block with platform:images.overrides").toBeDefined();
    const shown = (parse(block ?? "") as { "platform:images": { overrides: Record<string, string> } })[
      "platform:images"
    ].overrides;
    expect(shown).toEqual(e2eImageOverrides());
  });
});
