// migrations-as-job: prevents "eleven out of twelve" (field notes 8). Migrations in the entrypoint
// make every starting pod race to migrate (lock timeouts, a crash mid-migration, a rollout that
// half-applies a schema); the team fell back to the Recreate strategy and its downtime. A schema
// migration is a one-off admin process: a Kubernetes Job with the same image and environment that
// must succeed before the rollout starts. Flagged on long-running workloads (Deployment,
// StatefulSet, DaemonSet, ReplicaSet, Pod): a container, init container or sidecar whose command/args
// (also inside `sh -c` scripts) run a migration tool (doctrine:migrations:migrate and its
// abbreviations such as d:m:m, doctrine:schema:update --force, artisan migrate, rails db:migrate,
// alembic upgrade, flyway migrate, prisma migrate deploy, manage.py migrate, ...), or an env switch
// such as RUN_MIGRATIONS=true / MIGRATE_ON_START=1 (literal or from a ConfigMap). Dry runs are fine.
// Stack level so that switches set in ConfigMaps are seen. Jobs and CronJobs are the right place.

import type { StackValidationPolicy } from "@pulumi/policy";
import { nameTokens, truthy } from "../lib/env";
import { forStack } from "../lib/policy";
import { configSchema } from "../lib/report";
import { commandLine, segments, words } from "../lib/shell";

const POLICY = "migrations-as-job";

const TOOLS: Array<[RegExp, string]> = [
  [/\bdoctrine:migrations?:migrate\b/, "doctrine:migrations:migrate"],
  [/\bartisan\s+migrate(?!:status)\b/, "artisan migrate"],
  [/\b(rails|rake)\s+db:(migrate|schema:load|setup|prepare)\b/, "rails db:migrate"],
  [/\balembic\b.*\bupgrade\b/, "alembic upgrade"],
  [/\bflyway\b.*\bmigrate\b/, "flyway migrate"],
  [/\bprisma\s+(migrate\s+deploy|db\s+push)\b/, "prisma migrate deploy"],
  [/\b(manage\.py|django-admin)\s+migrate\b/, "manage.py migrate"],
  [/\bknex\b.*\bmigrate:latest\b/, "knex migrate:latest"],
  [/\bsequelize(-cli)?\s+db:migrate\b/, "sequelize db:migrate"],
  [/\btypeorm\b.*\bmigration:run\b/, "typeorm migration:run"],
  [/\bliquibase\b.*\bupdate\b/, "liquibase update"],
  [/\bgoose\b.*\bup\b/, "goose up"],
  [/\bdbmate\s+(up|migrate)\b/, "dbmate up"],
  [/\bmigrate\b.*-path\b.*\bup\b/, "migrate up"],
  [/\bsqitch\s+deploy\b/, "sqitch deploy"],
  [/\bphinx\s+migrate\b/, "phinx migrate"],
];

const isPrefix = (full: string, abbrev: string) => abbrev.length > 0 && full.startsWith(abbrev);

/** Symfony console abbreviations: d:m:m, do:mi:mi, doctrine:schema:update --force... */
function symfonyMigration(segment: string): string | undefined {
  for (const w of words(segment)) {
    const m = /^([a-z]+):([a-z-]+):([a-z-]+)$/.exec(w);
    if (!m) continue;
    const [, a = "", b = "", c = ""] = m;
    if (!isPrefix("doctrine", a)) continue;
    if (isPrefix("migrations", b) && isPrefix("migrate", c)) return w;
    if (isPrefix("schema", b) && isPrefix("update", c) && /(^|\s)(--force|-f)(\s|$)/.test(segment))
      return `${w} --force`;
  }
  return undefined;
}

export function migrationIn(script: string): string | undefined {
  for (const s of segments(script)) {
    if (/--dry-run|--write-sql|--check\b/.test(s.text)) continue;
    const sf = symfonyMigration(s.text);
    if (sf) return sf;
    for (const [re, what] of TOOLS) if (re.test(s.text)) return what;
  }
  return undefined;
}

function isMigrationSwitch(name: string): boolean {
  const t = nameTokens(name);
  if (!t.some((x) => x.startsWith("MIGRAT"))) return false;
  return !t.some((x) =>
    ["SKIP", "DISABLE", "DISABLED", "NO", "TABLE", "PATH", "DIR", "NAMESPACE"].includes(x),
  );
}

const FIX =
  "Fix: run the migration as a Job with the same image and environment (bin/console doctrine:migrations:migrate --no-interaction --all-or-nothing) that must succeed before the rollout; keep the entrypoint to `exec` the server.";

export const migrationsAsJob: StackValidationPolicy = {
  name: POLICY,
  description: "Long-running workloads never run schema migrations; a Job gates the rollout instead.",
  enforcementLevel: "mandatory",
  configSchema: configSchema(),
  validateStack: forStack(POLICY, ({ index, r }) => {
    for (const { obj, w } of index.workloads) {
      if (!w.longRunning) continue;
      for (const c of w.containers) {
        const found = migrationIn(commandLine(c.spec));
        if (found) {
          r.violation(
            obj.target,
            `command/args run \`${found}\`: every starting pod races to migrate (lock timeouts, a crash mid-migration). ${FIX}`,
            { container: c },
          );
        }
        const env = index.envOf(c, w.namespace ?? "default");
        for (const v of env.vars.values()) {
          if (isMigrationSwitch(v.name) && truthy(v.value)) {
            r.violation(
              obj.target,
              `env ${v.name}=${v.value} (${v.from}) makes the entrypoint migrate on every start. ${FIX}`,
              { container: c },
            );
          }
        }
      }
    }
  }),
};
