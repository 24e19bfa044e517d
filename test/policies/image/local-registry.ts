// A real registry for the image audit's `--registry` tests: the CNCF distribution registry built
// from Go modules (tools/registry/build.sh), started on 127.0.0.1 by the test itself with no
// auth, with htpasswd basic auth, or with token auth served by a token server of the test's own
// (RS256 JWTs signed with a throwaway certificate, as a registry's auth service issues them).

import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { createSign, randomUUID } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";

export const REGISTRY_VERSION = "v3.1.2";

/** Where tools/registry/build.sh puts the binary; PLATFORM_TEST_REGISTRY overrides it. */
export function registryBinary(): string | undefined {
  const path =
    process.env.PLATFORM_TEST_REGISTRY ??
    join(
      process.env.PLATFORM_CACHE_DIR ?? join(homedir(), ".cache", "platform"),
      `registry-${REGISTRY_VERSION}`,
      "registry",
    );
  return existsSync(path) ? path : undefined;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A throwaway user for the auth tests; its bcrypt hash (cost 10) is what htpasswd stores. */
export const TEST_USER = { username: "ci-reader", password: "registry-test-password" };
const TEST_USER_BCRYPT = "$2a$10$TweYncQp9w.rPoqIa2d4.e4WhA4VCL9xgZKojbCQEe5BQxVHkL.Oq";

export type AuthMode = "anonymous" | "basic" | "token";

export interface LocalRegistry {
  host: string;
  /** Authorization header value for pushing. */
  pushAuth?: string;
  /** A bearer token with pull access (what REGISTRY_TOKEN carries). */
  pullToken?: string;
  stop(): Promise<void>;
}

function base64url(data: Buffer | string): string {
  return Buffer.from(data).toString("base64url");
}

interface TokenIssuer {
  certFile: string;
  issue(scope: string): string;
}

function tokenIssuer(dir: string): TokenIssuer {
  const key = join(dir, "token.key");
  const certFile = join(dir, "token.crt");
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      key,
      "-out",
      certFile,
      "-days",
      "1",
      "-subj",
      "/CN=token-issuer",
    ],
    { stdio: "ignore" },
  );
  const der = execFileSync("openssl", ["x509", "-in", certFile, "-outform", "DER"]);
  const pem = readFileSync(key, "utf8");
  return {
    certFile,
    issue(scope: string) {
      const [type, name, actions] = scope.split(":");
      const now = Math.floor(Date.now() / 1000);
      const header = { alg: "RS256", typ: "JWT", x5c: [der.toString("base64")] };
      const claims = {
        iss: "platform-test-issuer",
        sub: TEST_USER.username,
        aud: "platform-test-registry",
        exp: now + 600,
        nbf: now - 10,
        iat: now,
        jti: randomUUID(),
        access: type ? [{ type, name, actions: (actions ?? "").split(",") }] : [],
      };
      const input = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
      const signature = createSign("RSA-SHA256").update(input).sign(pem);
      return `${input}.${base64url(signature)}`;
    },
  };
}

async function tokenServer(issuer: TokenIssuer): Promise<{ server: Server; url: string }> {
  const expected = `Basic ${Buffer.from(`${TEST_USER.username}:${TEST_USER.password}`).toString("base64")}`;
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    if (req.headers.authorization !== expected) {
      res.writeHead(401).end();
      return;
    }
    const token = issuer.issue(url.searchParams.get("scope") ?? "");
    res
      .writeHead(200, { "content-type": "application/json" })
      .end(JSON.stringify({ token, access_token: token }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/token` };
}

export async function startRegistry(binary: string, auth: AuthMode): Promise<LocalRegistry> {
  const dir = mkdtempSync(join(tmpdir(), "registry-"));
  const port = await freePort();
  let authYaml = "";
  let pushAuth: string | undefined;
  let pullToken: string | undefined;
  let tokens: Server | undefined;
  if (auth === "basic") {
    writeFileSync(join(dir, "htpasswd"), `${TEST_USER.username}:${TEST_USER_BCRYPT}\n`);
    authYaml = `auth:\n  htpasswd:\n    realm: platform-test\n    path: ${join(dir, "htpasswd")}\n`;
    pushAuth = `Basic ${Buffer.from(`${TEST_USER.username}:${TEST_USER.password}`).toString("base64")}`;
  } else if (auth === "token") {
    const issuer = tokenIssuer(dir);
    const t = await tokenServer(issuer);
    tokens = t.server;
    authYaml = `auth:\n  token:\n    realm: ${t.url}\n    service: platform-test-registry\n    issuer: platform-test-issuer\n    rootcertbundle: ${issuer.certFile}\n`;
    pushAuth = `Bearer ${issuer.issue("repository:platform/fixture:pull,push")}`;
    pullToken = issuer.issue("repository:platform/fixture:pull");
  }
  const config = join(dir, "config.yml");
  writeFileSync(
    config,
    `version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: ${join(dir, "data")}\nhttp:\n  addr: 127.0.0.1:${port}\n  secret: platform-test\n${authYaml}`,
  );
  const child: ChildProcess = spawn(binary, ["serve", config], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (c: Buffer) => {
    stderr += c.toString();
  });
  const host = `127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      const r = await fetch(`http://${host}/v2/`);
      if (r.status === 200 || r.status === 401) break;
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null || Date.now() > deadline)
      throw new Error(`the registry did not start: ${stderr.slice(-1000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    host,
    pushAuth,
    pullToken,
    stop: async () => {
      child.kill();
      tokens?.close();
    },
  };
}

/** Pushes blobs and a manifest with the registry HTTP API (monolithic uploads). */
export async function push(
  registry: LocalRegistry,
  repository: string,
  tag: string,
  image: { manifest: Buffer; blobs: Map<string, Buffer> },
): Promise<void> {
  const headers: Record<string, string> = registry.pushAuth ? { authorization: registry.pushAuth } : {};
  for (const [digest, data] of image.blobs) {
    const start = await fetch(`http://${registry.host}/v2/${repository}/blobs/uploads/`, {
      method: "POST",
      headers,
    });
    if (start.status !== 202) throw new Error(`upload start: HTTP ${start.status} ${await start.text()}`);
    const location = new URL(start.headers.get("location") ?? "", `http://${registry.host}`);
    location.searchParams.set("digest", digest);
    const put = await fetch(location, {
      method: "PUT",
      headers: { ...headers, "content-type": "application/octet-stream" },
      body: data,
    });
    if (put.status !== 201) throw new Error(`upload ${digest}: HTTP ${put.status} ${await put.text()}`);
  }
  const m = await fetch(`http://${registry.host}/v2/${repository}/manifests/${tag}`, {
    method: "PUT",
    headers: { ...headers, "content-type": "application/vnd.oci.image.manifest.v1+json" },
    body: image.manifest,
  });
  if (m.status !== 201) throw new Error(`manifest: HTTP ${m.status} ${await m.text()}`);
}
