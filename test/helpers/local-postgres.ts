import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

// A throwaway PostgreSQL server on loopback, from the machine's Debian packages, for tests that
// must see real SQL run. initdb refuses root, so as root it runs as the `postgres` system user.

const BIN = "/usr/lib/postgresql/15/bin";

export function localPostgresAvailable(): boolean {
  return existsSync(join(BIN, "initdb")) && existsSync(join(BIN, "psql"));
}

export interface LocalPostgres {
  port: number;
  adminPassword: string;
  psql(
    args: string[],
    env?: Record<string, string>,
  ): { status: number | null; stdout: string; stderr: string };
  stop(): void;
}

export function startLocalPostgres(port: number): LocalPostgres {
  const dir = mkdtempSync(join(tmpdir(), "pg-"));
  chmodSync(dir, 0o777);
  const asPostgres = process.getuid?.() === 0 ? ["runuser", "-u", "postgres", "--"] : [];
  const run = (cmd: string, args: string[]) => {
    const [head, ...rest] = [...asPostgres, cmd, ...args];
    execFileSync(head as string, rest, { stdio: "pipe" });
  };
  const data = join(dir, "data");
  const adminPassword = "admin-test-password";
  const pwfile = join(dir, "pw");
  execFileSync("sh", ["-c", `printf '%s' '${adminPassword}' > ${pwfile} && chmod 644 ${pwfile}`]);
  run(join(BIN, "initdb"), ["-D", data, "-U", "postgres", "--auth=scram-sha-256", `--pwfile=${pwfile}`]);
  run(join(BIN, "pg_ctl"), [
    "-D",
    data,
    "-l",
    join(dir, "log"),
    "-o",
    `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1`,
    "-w",
    "start",
  ]);
  return {
    port,
    adminPassword,
    psql(args, env = {}) {
      const result = spawnSync(join(BIN, "psql"), ["-X", "-h", "127.0.0.1", "-p", String(port), ...args], {
        encoding: "utf8",
        env: {
          ...process.env,
          PGUSER: "postgres",
          PGPASSWORD: adminPassword,
          PGDATABASE: "postgres",
          ...env,
        },
      });
      return { status: result.status, stdout: result.stdout, stderr: result.stderr };
    },
    stop() {
      try {
        run(join(BIN, "pg_ctl"), ["-D", data, "-m", "immediate", "stop"]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
