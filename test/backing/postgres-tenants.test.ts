import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tenantSetupSql } from "../../components/backing/postgres-tenants";
import { type LocalPostgres, localPostgresAvailable, startLocalPostgres } from "../helpers/local-postgres";

// The tenant setup script of both profiles, run by a real psql against a real server.

const available = localPostgresAvailable();

describe.runIf(available)("tenant setup SQL on PostgreSQL", () => {
  let pg: LocalPostgres;
  const tenants = ["content", "media-archive"];
  const passwords = { TENANT_PASSWORD_CONTENT: "content-pw-1", TENANT_PASSWORD_MEDIA_ARCHIVE: "media-pw-1" };

  beforeAll(() => {
    pg = startLocalPostgres(55_000 + Math.floor(Math.random() * 1000));
  }, 60_000);
  afterAll(() => pg?.stop());

  // As the setup Job runs it: psql -f on the script file, passwords in the environment.
  const apply = (env: Record<string, string>) => {
    const file = join(mkdtempSync(join(tmpdir(), "sql-")), "tenants.sql");
    writeFileSync(file, tenantSetupSql(tenants));
    return pg.psql(["-q", "-f", file], env);
  };

  it("creates one login role and one owned database per tenant, without a password in the script", () => {
    const sql = tenantSetupSql(tenants);
    expect(sql).not.toContain("content-pw-1");
    const result = apply(passwords);
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    const owners = pg.psql([
      "-At",
      "-c",
      "select datname || '=' || pg_get_userbyid(datdba) from pg_database where datname in ('content','media-archive') order by 1",
    ]);
    expect(owners.stdout.trim().split("\n")).toEqual(["content=content", "media-archive=media-archive"]);
  });

  it("lets each tenant log in with its password, work in its own database, and not in another's", () => {
    const own = pg.psql(
      [
        "-q",
        "-At",
        "-d",
        "content",
        "-c",
        "create table t(id int); insert into t values (1); select count(*) from t",
      ],
      {
        PGUSER: "content",
        PGPASSWORD: "content-pw-1",
      },
    );
    expect(own.stderr).toBe("");
    expect(own.stdout.trim()).toBe("1");
    const other = pg.psql(["-At", "-d", "content", "-c", "select 1"], {
      PGUSER: "media-archive",
      PGPASSWORD: "media-pw-1",
    });
    expect(other.status).not.toBe(0);
    expect(other.stderr).toMatch(/permission denied for database "content"/);
  });

  it("is idempotent and rotates passwords on a second run", () => {
    const rotated = { ...passwords, TENANT_PASSWORD_CONTENT: "content-pw-2" };
    const again = apply(rotated);
    expect(again.status).toBe(0);
    expect(again.stderr).toBe("");
    const login = pg.psql(["-At", "-d", "content", "-c", "select count(*) from t"], {
      PGUSER: "content",
      PGPASSWORD: "content-pw-2",
    });
    expect(login.stdout.trim()).toBe("1");
    const old = pg.psql(["-At", "-d", "content", "-c", "select 1"], {
      PGUSER: "content",
      PGPASSWORD: "content-pw-1",
    });
    expect(old.status).not.toBe(0);
  });
});

describe.runIf(!available)("tenant setup SQL (no PostgreSQL server on this machine)", () => {
  it("needs /usr/lib/postgresql/15/bin (Debian postgresql-15) to run", () => {
    expect(localPostgresAvailable()).toBe(false);
  });
});
