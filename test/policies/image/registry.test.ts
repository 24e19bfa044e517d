// `policy image --registry`: pulled from a real registry started on 127.0.0.1 by the test (the CNCF
// distribution registry, built from Go modules by tools/registry/build.sh, which .ci/run runs), as
// anonymous, with basic auth and with a bearer token, credentials from the environment.

import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliResult, policyCli } from "../policy-cli";
import {
  type AuthMode,
  type LocalRegistry,
  push,
  registryBinary,
  startRegistry,
  TEST_USER,
} from "./local-registry";
import { type ImageSpec, registryBlobs } from "./oci-builder";

const LEAKY: ImageSpec = {
  config: { User: "10001", WorkingDir: "/app" },
  layers: [
    {
      createdBy: "COPY . /app",
      files: {
        "/etc/caddy/Caddyfile": "{\n{$CADDY_GLOBAL_OPTIONS}\n}\n",
        "/app/.env.local.php": "<?php return array('APP_SECRET' => '0f9e8d7c6b5a49382716f5e4d3c2b1a0');",
      },
    },
    { createdBy: "RUN rm /app/.env.local.php", deletes: ["/app/.env.local.php"] },
  ],
};

/** The policy CLI in process with only `env`'s registry credentials in the environment. */
async function cli(argv: string[], env: Record<string, string>): Promise<CliResult> {
  const saved = { ...process.env };
  for (const k of ["REGISTRY_USERNAME", "REGISTRY_PASSWORD", "REGISTRY_TOKEN"]) delete process.env[k];
  Object.assign(process.env, env);
  try {
    return await policyCli(argv);
  } finally {
    process.env = saved;
  }
}

const binary = registryBinary();
if (!binary)
  console.warn(
    "policy image --registry tests SKIPPED: no test registry; build it with tools/registry/build.sh (needs Go)",
  );

describe.skipIf(!binary)("policy image --registry against a local distribution registry", () => {
  const registries = new Map<AuthMode, LocalRegistry>();
  beforeAll(async () => {
    const blobs = await registryBlobs(LEAKY);
    for (const mode of ["anonymous", "basic", "token"] as const) {
      const r = await startRegistry(binary as string, mode);
      registries.set(mode, r);
      await push(r, "platform/fixture", "1.0.0", blobs);
    }
  }, 60_000);
  afterAll(async () => {
    for (const r of registries.values()) await r.stop();
  });

  const ref = (mode: AuthMode) => `${registries.get(mode)?.host}/platform/fixture:1.0.0`;
  const expectLeakFound = (r: { code: number; stdout: string; stderr: string }) => {
    expect(r.stderr).toBe("");
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /image-dotenv-credentials: \/app\/\.env\.local\.php in layer 0 \(COPY \. \/app, removed by layer 1/,
    );
    expect(r.stdout).not.toContain("0f9e8d7c6b5a49382716f5e4d3c2b1a0");
  };

  it("pulls anonymously", async () => {
    expectLeakFound(await cli(["image", "--registry", ref("anonymous")], {}));
  });

  it("pulls with basic auth from REGISTRY_USERNAME/REGISTRY_PASSWORD", async () => {
    expectLeakFound(
      await cli(["image", "--registry", ref("basic")], {
        REGISTRY_USERNAME: TEST_USER.username,
        REGISTRY_PASSWORD: TEST_USER.password,
      }),
    );
  });

  it("pulls through the registry's token flow with REGISTRY_USERNAME/REGISTRY_PASSWORD", async () => {
    expectLeakFound(
      await cli(["image", "--registry", ref("token")], {
        REGISTRY_USERNAME: TEST_USER.username,
        REGISTRY_PASSWORD: TEST_USER.password,
      }),
    );
  });

  it("pulls with a bearer token from REGISTRY_TOKEN", async () => {
    expectLeakFound(
      await cli(["image", "--registry", ref("token")], {
        REGISTRY_TOKEN: registries.get("token")?.pullToken ?? "",
      }),
    );
  });

  it("exits 2 naming the variables when the registry refuses", async () => {
    const r = await cli(["image", "--registry", ref("basic")], {});
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /cannot pull from 127\.0\.0\.1:\d+ .*REGISTRY_USERNAME\/REGISTRY_PASSWORD or REGISTRY_TOKEN/,
    );
  });

  it("audits every service image of a plan (--from-plan), each with its service's spec", async () => {
    const registry = registries.get("anonymous") as LocalRegistry;
    const clean = await registryBlobs({
      ...LEAKY,
      layers: [LEAKY.layers[0] as ImageSpec["layers"][number]].map((l) => ({
        ...l,
        files: { "/etc/caddy/Caddyfile": "{\n{$CADDY_GLOBAL_OPTIONS}\n}\n" },
      })),
    });
    await push(registry, "platform/config", "1.0.0", clean);
    const plan = mkdtempSync(join(tmpdir(), "plan-"));
    writeFileSync(
      join(plan, "outputs.json"),
      JSON.stringify({
        services: {
          config: { image: `${registry.host}/platform/config:1.0.0` },
          content: { image: `${registry.host}/platform/fixture:1.0.0` },
        },
      }),
    );
    const r = await cli(["image", "--from-plan", plan, "--format", "json"], {});
    // --tag audits the tag CI pushed instead of the plan's: 1.0.0 here, from plan entries at 0.0.1.
    writeFileSync(
      join(plan, "outputs.json"),
      JSON.stringify({
        services: {
          config: { image: `${registry.host}/platform/config:0.0.1` },
          content: { image: `${registry.host}/platform/fixture:0.0.1` },
        },
      }),
    );
    const tagged = await cli(["image", "--from-plan", plan, "--tag", "1.0.0", "--format", "json"], {});
    expect(tagged.stderr).toBe("");
    expect(tagged.stdout).toBe(r.stdout);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as {
      violations: Array<{ policy: string; resource: { name: string } }>;
    };
    expect(report.violations.map((v) => [v.policy, v.resource.name])).toEqual([
      ["image-dotenv-credentials", `${registry.host}/platform/fixture:1.0.0`],
    ]);
  });

  it("exits 2 on a tag the registry does not have", async () => {
    const r = await cli(
      ["image", "--registry", `${registries.get("anonymous")?.host}/platform/fixture:9.9.9`],
      {},
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/platform\/fixture:9\.9\.9: cannot pull/);
  });
});
