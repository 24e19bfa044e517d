import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { envName, renderDotenv, shellQuote } from "../../stacks/ephemeral/dotenv";
import type { StackOutputs } from "../../stacks/ephemeral/driver";
import { nonEmpty } from "../helpers/non-empty";

const outputs: StackOutputs = {
  namespace: { value: "ci-42", secret: false },
  gatewayUrl: { value: "https://ci-42.platform.example.com", secret: false },
  services: {
    value: {
      content: { url: "http://content.ci-42.svc.cluster.local:80", image: "x", routes: [] },
      "media-tools": { url: "http://media-tools.ci-42.svc.cluster.local:80", image: "y", routes: [] },
    },
    secret: false,
  },
  endpoints: {
    value: {
      postgres: "postgres.ci-42.svc.cluster.local:5432",
      objectStore: "http://azurite.ci-42.svc.cluster.local:10000",
      redis: { host: "redis.ci-42", port: 6379 },
    },
    secret: false,
  },
  credentials: {
    value: {
      content: { DATABASE_URL: "postgresql://content:p'a$s `w\"d@postgres:5432/content" },
      media: {
        DATABASE_URL: "postgresql://media:s3cr3t@postgres:5432/media",
        REDIS_URL: "redis://:pw@redis:6379",
      },
    },
    secret: true,
  },
};

describe("renderDotenv", () => {
  it("writes the stack, namespace, gateway, one URL per service and every endpoint", () => {
    const r = renderDotenv(outputs, {
      format: "plain",
      credentials: false,
      stack: "ci-42",
      expiresAt: "2026-11-29T18:00:00Z",
    });
    expect(r.text).toBe(
      [
        "PLATFORM_STACK=ci-42",
        "PLATFORM_NAMESPACE=ci-42",
        "PLATFORM_EXPIRES_AT=2026-11-29T18:00:00Z",
        "PLATFORM_GATEWAY_URL=https://ci-42.platform.example.com",
        "PLATFORM_CONTENT_URL=http://content.ci-42.svc.cluster.local:80",
        "PLATFORM_MEDIA_TOOLS_URL=http://media-tools.ci-42.svc.cluster.local:80",
        "PLATFORM_POSTGRES_ENDPOINT=postgres.ci-42.svc.cluster.local:5432",
        "PLATFORM_OBJECT_STORE_ENDPOINT=http://azurite.ci-42.svc.cluster.local:10000",
        'PLATFORM_REDIS_ENDPOINT={"host":"redis.ci-42","port":6379}',
        "",
      ].join("\n"),
    );
    expect(r.secrets).toBe(0);
    expect(r.warnings).toEqual([]);
  });

  it("leaves credentials out unless asked, and counts them when asked", () => {
    const without = renderDotenv(outputs, { format: "shell", credentials: false, stack: "ci-42" });
    expect(without.text).not.toMatch(/DATABASE_URL|s3cr3t|REDIS_URL/);
    const withCreds = renderDotenv(outputs, { format: "shell", credentials: true, stack: "ci-42" });
    expect(withCreds.names).toContain("PLATFORM_MEDIA_DATABASE_URL");
    expect(withCreds.names).toContain("PLATFORM_MEDIA_REDIS_URL");
    expect(withCreds.secrets).toBe(3);
    expect(withCreds.text).toMatch(/^# Contains credentials: do not print, commit or upload this file.$/m);
  });

  it("says so when credentials were asked for but the stack exports none", () => {
    const { credentials: _, ...rest } = outputs;
    const r = renderDotenv(rest, { format: "shell", credentials: true, stack: "ci-42" });
    expect(r.secrets).toBe(0);
    expect(r.warnings).toEqual([
      "the stack exports no credentials (only local and ci environments do): none written",
    ]);
  });

  it("single-quotes every value in the shell format, so a shell reads them back byte for byte", () => {
    const r = renderDotenv(outputs, { format: "shell", credentials: true, stack: "ci-42" });
    expect(r.text).toMatch(/^PLATFORM_STACK='ci-42'$/m);
    expect(r.text).toMatch(/^# Endpoints of the ephemeral stack ci-42/);
    const file = join(mkdtempSync(join(tmpdir(), "dotenv-")), "test.env");
    writeFileSync(file, r.text);
    const printed = execFileSync(
      "/bin/sh",
      [
        "-c",
        'set -a; . "$1"; printf "%s\\n%s\\n%s" "$PLATFORM_CONTENT_DATABASE_URL" "$PLATFORM_REDIS_ENDPOINT" "$PLATFORM_STACK"',
        "_",
        file,
      ],
      { encoding: "utf8", env: {}, stdio: ["ignore", "pipe", "pipe"] },
    );
    expect(printed.split("\n")).toEqual([
      "postgresql://content:p'a$s `w\"d@postgres:5432/content",
      '{"host":"redis.ci-42","port":6379}',
      "ci-42",
    ]);
  });

  it("writes no quotes, comments or blank lines in the plain format (GitLab dotenv reports, $GITHUB_ENV)", () => {
    const r = renderDotenv(outputs, { format: "plain", credentials: true, stack: "ci-42" });
    for (const line of nonEmpty(r.text.trimEnd().split("\n"))) {
      expect(line).toMatch(/^[A-Z][A-Z0-9_]*=[^\n]*$/);
      expect(line).not.toMatch(/^#/);
    }
    expect(r.text).toContain(
      "PLATFORM_CONTENT_DATABASE_URL=postgresql://content:p'a$s `w\"d@postgres:5432/content\n",
    );
  });

  it("refuses a multi-line value in the plain format without echoing it", () => {
    const multi: StackOutputs = {
      ...outputs,
      credentials: {
        value: { content: { CA_CERT: "-----BEGIN-----\nsecret-material\n-----END-----" } },
        secret: true,
      },
    };
    expect(() => renderDotenv(multi, { format: "plain", credentials: true, stack: "ci-42" })).toThrow(
      /^PLATFORM_CONTENT_CA_CERT spans several lines, which the plain dotenv format cannot hold: use --dotenv-format shell$/,
    );
    const shell = renderDotenv(multi, { format: "shell", credentials: true, stack: "ci-42" });
    expect(shell.text).toContain(
      "PLATFORM_CONTENT_CA_CERT='-----BEGIN-----\nsecret-material\n-----END-----'",
    );
  });

  it("warns when the plain file reaches GitLab's 5 KB dotenv limit", () => {
    const big: StackOutputs = {
      ...outputs,
      services: {
        value: Object.fromEntries(
          Array.from({ length: 120 }, (_, i) => [
            `svc${i}`,
            { url: `http://svc${i}.ci-42.svc.cluster.local:80` },
          ]),
        ),
        secret: false,
      },
    };
    const r = renderDotenv(big, { format: "plain", credentials: false, stack: "ci-42" });
    expect(r.warnings[0]).toMatch(/GitLab refuses dotenv reports of 5 KB or more/);
  });
});

describe("helpers", () => {
  it("derives variable names from output keys", () => {
    expect(envName("PLATFORM_", "objectStore", "ENDPOINT")).toBe("PLATFORM_OBJECT_STORE_ENDPOINT");
    expect(envName("PLATFORM_", "media-tools", "URL")).toBe("PLATFORM_MEDIA_TOOLS_URL");
    expect(envName("PLATFORM_", "content", "DATABASE_URL")).toBe("PLATFORM_CONTENT_DATABASE_URL");
  });

  it("quotes like a POSIX shell", () => {
    expect(shellQuote("a'b")).toBe("'a'\\''b'");
    expect(shellQuote("")).toBe("''");
  });

  it("produces a file the yaml library reads as no document at all (sanity: not YAML by accident)", () => {
    // Guards against a regression to "KEY: value" lines, which GitLab would refuse.
    const r = renderDotenv(outputs, { format: "plain", credentials: false, stack: "ci-42" });
    expect(typeof parse(r.text)).toBe("string");
  });
});
