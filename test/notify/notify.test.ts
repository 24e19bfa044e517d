import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseCommandLine, run, WEBHOOK_ENV } from "../../stacks/notify/cli";
import { PHASES } from "../../stacks/notify/message";

// `npm run notify` against a webhook on 127.0.0.1: what it posts, that the URL (a secret) never
// appears in its output, and what it does without a webhook or when the webhook fails.

const received: Array<{ path: string; type: string; body: Record<string, unknown> }> = [];
let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    let data = "";
    req.on("data", (c) => {
      data += c;
    });
    req.on("end", () => {
      received.push({
        path: req.url ?? "",
        type: String(req.headers["content-type"]),
        body: JSON.parse(data) as Record<string, unknown>,
      });
      res.statusCode = req.url?.includes("broken") ? 500 : 200;
      res.end("ok");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

async function notify(argv: string[], env: Record<string, string>) {
  let stdout = "";
  let stderr = "";
  const code = await run(argv, {
    env,
    fetch,
    io: {
      stdout: (t) => {
        stdout += t;
      },
      stderr: (t) => {
        stderr += t;
      },
    },
  });
  return { code, stdout, stderr };
}

describe("npm run notify", () => {
  it("posts the stack, phase, status, commit and link, with the failing service from the details file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "notify-"));
    const log = join(dir, "verify.log");
    const lines = Array.from({ length: 40 }, (_, i) => `line ${i}`);
    writeFileSync(
      log,
      `${lines.join("\n")}\n\u001b[31mverify prod: FAILED catalog (readiness): HTTP 503\u001b[0m\n`,
    );
    const hook = `${base}/hooks/T000/secret-token`;
    const r = await notify(
      [
        "--stack",
        "prod",
        "--phase",
        "verify",
        "--status",
        "failed",
        "--ref",
        "abc1234",
        "--url",
        "https://ci.example.com/p/1",
        "--details-file",
        log,
      ],
      { [WEBHOOK_ENV]: hook },
    );
    expect(r.code, r.stderr).toBe(0);
    const last = received.at(-1);
    expect(last?.path).toBe("/hooks/T000/secret-token");
    expect(last?.type).toBe("application/json");
    expect(last?.body).toMatchObject({
      stack: "prod",
      phase: "verify",
      status: "failure",
      ref: "abc1234",
      url: "https://ci.example.com/p/1",
    });
    const text = String(last?.body.text);
    expect(text).toMatch(/^\[FAILED\] platform prod @ abc1234: deployed, but the post-deploy check failed/);
    expect(text).toContain("verify prod: FAILED catalog (readiness): HTTP 503");
    expect(text).not.toContain("\u001b[");
    expect(text).not.toContain("line 0\n"); // only the last lines
    expect(`${r.stdout}${r.stderr}`).not.toContain("secret-token");
  });

  it("takes GitHub's and GitLab's words for a job status", () => {
    for (const [word, status] of [
      ["success", "success"],
      ["failed", "failure"],
      ["failure", "failure"],
      ["canceled", "cancelled"],
      ["cancelled", "cancelled"],
    ] as const) {
      expect(parseCommandLine(["--stack", "s", "--phase", "deploy", "--status", word])).toMatchObject({
        status,
      });
    }
  });

  it("has a message for every phase and status", async () => {
    for (const phase of PHASES) {
      for (const status of ["success", "failure", "cancelled"]) {
        const r = await notify(["--stack", "staging", "--phase", phase, "--status", status], {
          [WEBHOOK_ENV]: `${base}/each`,
        });
        expect(r.code).toBe(0);
        const text = String(received.at(-1)?.body.text);
        expect(text.startsWith(status === "success" ? "[OK]" : "[FAILED]"), text).toBe(true);
        expect(text).not.toContain("undefined");
      }
    }
  });

  it("without a webhook prints the message and exits 0 (the templates work before the variable is set)", async () => {
    const before = received.length;
    const r = await notify(["--stack", "staging", "--phase", "deploy", "--status", "success"], {});
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`${WEBHOOK_ENV} is not set`);
    expect(r.stdout).toContain("[OK] platform staging: deployed");
    expect(received.length).toBe(before);
  });

  it("exits 1 when the webhook fails or cannot be reached, without printing its URL", async () => {
    const failing = await notify(["--stack", "s", "--phase", "rollback", "--status", "success"], {
      [WEBHOOK_ENV]: `${base}/broken/secret-token`,
    });
    expect(failing.code).toBe(1);
    expect(failing.stderr).toContain("HTTP 500");
    const closed = await notify(["--stack", "s", "--phase", "rollback", "--status", "success"], {
      [WEBHOOK_ENV]: "http://127.0.0.1:9/secret-token",
    });
    expect(closed.code).toBe(1);
    expect(closed.stderr).toContain("could not be reached");
    expect(`${failing.stderr}${closed.stderr}`).not.toContain("secret-token");
  });

  it("rejects bad command lines with exit code 2", async () => {
    for (const argv of [
      [],
      ["--stack", "s", "--phase", "deploy"],
      ["--stack", "s", "--phase", "build", "--status", "success"],
      ["--stack", "s", "--phase", "deploy", "--status", "skipped"],
      ["--stack", "s", "--phase", "deploy", "--status", "success", "--webhook", "http://x"],
    ]) {
      const r = await notify(argv, {});
      expect(r.code, argv.join(" ")).toBe(2);
      expect(r.stderr).toContain("usage: npm run notify");
    }
  });

  it("the command docs/observability.md shows runs as written and posts to the webhook", async () => {
    const doc = readFileSync(join(__dirname, "..", "..", "docs", "observability.md"), "utf8");
    const shown = [...doc.matchAll(/```sh\n([\s\S]*?)```/g)]
      .flatMap((m) => (m[1] ?? "").split("\n"))
      .filter((l) => l.startsWith("npm run notify"));
    expect(shown).toHaveLength(1);
    const before = received.length;
    const run = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn("sh", ["-c", shown[0] as string], {
        cwd: join(__dirname, "..", ".."),
        env: { ...process.env, [WEBHOOK_ENV]: `${base}/docs/secret-token` },
      });
      let out = "";
      child.stdout.on("data", (d: Buffer) => {
        out += d;
      });
      child.stderr.on("data", (d: Buffer) => {
        out += d;
      });
      child.on("close", (code) => resolve({ code, out }));
    });
    expect(run.code, run.out).toBe(0);
    expect(received.length).toBe(before + 1);
    expect(received.at(-1)?.body).toMatchObject({ stack: "prod", phase: "verify", status: "failure" });
    expect(run.out).not.toContain("secret-token");
  }, 60_000);

  it("`npm run notify -- --help` prints the usage", () => {
    const out = execFileSync("npm", ["run", "--silent", "notify", "--", "--help"], {
      cwd: join(__dirname, "..", ".."),
      encoding: "utf8",
    });
    expect(out).toContain("usage: npm run notify -- --stack <name>");
  }, 60_000);
});
