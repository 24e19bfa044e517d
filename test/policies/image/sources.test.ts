// Opening images the ways users have them: an OCI layout directory, a `docker save` archive,
// uncompressed and zstd layers, and what is refused with one clear line (exit 2 in the CLI).

import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Ajv from "ajv";
import addFormats from "ajv-formats";
import { describe, expect, it } from "vitest";
import { imageChecks } from "../../../policies/image/checks";
import { policyCli as cli } from "../policy-cli";
import { dockerArchive, type ImageSpec, ociLayout } from "./oci-builder";

const LEAKY: ImageSpec = {
  config: { User: "10001", WorkingDir: "/app", Env: ["APP_ENV=prod"] },
  layers: [
    {
      createdBy: "COPY . /app",
      files: {
        "/etc/caddy/Caddyfile": "{\n{$CADDY_GLOBAL_OPTIONS}\n}\n",
        "/app/.env.local": "APP_SECRET=0f9e8d7c6b5a49382716f5e4d3c2b1a0\n",
      },
    },
    { createdBy: "RUN rm /app/.env.local", deletes: ["/app/.env.local"] },
  ],
};

describe("policy image: inputs", () => {
  it.each(["gzip", "zstd", "none"] as const)("reads an OCI layout with %s layers", async (compression) => {
    const r = await cli(["image", await ociLayout({ ...LEAKY, compression })]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /MANDATORY image-dotenv-credentials: \/app\/\.env\.local in layer 0 \(COPY \. \/app, removed by layer 1/,
    );
  });

  it("reads a docker save archive, and its JSON report", async () => {
    const r = await cli(["image", await dockerArchive(LEAKY), "--format", "json"]);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as {
      violations: Array<{ policy: string; resource: { name: string } }>;
    };
    expect(report.violations.map((v) => v.policy)).toEqual(["image-dotenv-credentials"]);
    expect(report.violations[0]?.resource.name).toBe("platform/fixture:1");
  });

  it("reads an OCI layout packed in a tar archive (podman save --format oci-archive)", async () => {
    const dir = await ociLayout(LEAKY);
    const tar = join(mkdtempSync(join(tmpdir(), "oci-tar-")), "image.tar");
    execFileSync("tar", ["-cf", tar, "-C", dir, "."]);
    const r = await cli(["image", tar]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("image-dotenv-credentials");
  });

  it("exits 0 on a clean image, advisories allowed", async () => {
    const clean = {
      ...LEAKY,
      layers: [{ files: { "/etc/caddy/Caddyfile": "{\n{$CADDY_GLOBAL_OPTIONS}\n}\n" } }],
    };
    const r = await cli(["image", await ociLayout(clean)]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^OK: 0 mandatory/m);
  });

  it("refuses a FIFO at once instead of blocking on it", async () => {
    const fifo = join(mkdtempSync(join(tmpdir(), "fifo-")), "image.tar");
    execFileSync("mkfifo", [fifo]);
    const r = await cli(["image", fifo]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/is not a regular file or directory \(a pipe or device is refused/);
  });

  const bad: Array<[string, () => Promise<string[]>, RegExp]> = [
    ["a missing path", async () => ["image", "/nonexistent/image.tar"], /no such file or directory/],
    [
      "a file that is not a tar archive",
      async () => {
        const f = join(mkdtempSync(join(tmpdir(), "bad-")), "image.tar");
        writeFileSync(
          f,
          "this is not an image, just text that is long enough to fill a tar header block. ".repeat(10),
        );
        return ["image", f];
      },
      /not a tar archive/,
    ],
    [
      "a directory that is not an image",
      async () => ["image", mkdtempSync(join(tmpdir(), "empty-"))],
      /neither an OCI image layout .* nor a docker\/podman save archive/,
    ],
    [
      "no image at all",
      async () => ["image"],
      /exactly one of <path>, --registry <ref> or --from-plan <dir>/,
    ],
    [
      "both a path and a registry",
      async () => ["image", "x.tar", "--registry", "localhost:5000/a:1"],
      /exactly one of/,
    ],
    ["an unknown format", async () => ["image", "x.tar", "--format", "xml"], /--format must be one of/],
    ["a bad platform", async () => ["image", "x.tar", "--platform", "amd64"], /--platform must be os\/arch/],
    [
      "an unknown service",
      async () => ["image", "x.tar", "--service", "contnet"],
      /no such service in the catalog \(did you mean content\?\)/,
    ],
    [
      "a plan directory without outputs",
      async () => ["image", "--from-plan", mkdtempSync(join(tmpdir(), "plan-"))],
      /outputs\.json: cannot read the plan's outputs .*run npm run plan -- --stack <name> first/,
    ],
    [
      "--service beside --from-plan",
      async () => ["image", "--from-plan", "out/ci", "--service", "content"],
      /takes each image's service from the plan/,
    ],
    [
      "a bad registry reference",
      async () => ["image", "--registry", "UPPER/Case:!"],
      /is not an image reference/,
    ],
  ];
  it.each(bad)("exits 2 with one line on %s", async (_name, argv, message) => {
    const r = await cli(await argv());
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr.split("\n")[0]).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });
});

describe("policy image: the CI formats", () => {
  it("writes SARIF 2.1.0 that the OASIS schema accepts, one rule per check", async () => {
    const schema = JSON.parse(
      readFileSync(join(__dirname, "..", "fixtures", "_schemas", "sarif-schema-2.1.0.json"), "utf8"),
    );
    schema.$id = schema.id;
    delete schema.id;
    delete schema.$schema;
    const validate = new Ajv({ allErrors: true, strict: false });
    addFormats(validate);
    const r = await cli(["image", await ociLayout(LEAKY), "--format", "sarif"]);
    expect(r.code).toBe(1);
    const sarif = JSON.parse(r.stdout) as {
      runs: Array<{ tool: { driver: { rules: Array<{ id: string }> } }; results: Array<{ ruleId: string }> }>;
    };
    expect(validate.compile(schema)(sarif), JSON.stringify(validate.errors)).toBe(true);
    expect(sarif.runs[0]?.tool.driver.rules.map((rule) => rule.id)).toEqual(imageChecks.map((c) => c.id));
    expect(sarif.runs[0]?.results.map((x) => x.ruleId)).toEqual(["image-dotenv-credentials"]);
  });

  it("writes JUnit and GitLab Code Quality reports", async () => {
    const image = await ociLayout(LEAKY);
    const junit = await cli(["image", image, "--format", "junit"]);
    expect(junit.stdout).toMatch(/^<\?xml/);
    expect(junit.stdout).toContain("image-dotenv-credentials");
    const quality = JSON.parse(
      (await cli(["image", image, "--format", "gitlab-codequality"])).stdout,
    ) as Array<{ check_name: string; severity: string }>;
    expect(quality.map((q) => q.check_name)).toEqual(["image-dotenv-credentials"]);
  });
});
