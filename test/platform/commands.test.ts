import { beforeAll, describe, expect, it } from "vitest";
import { PlatformInputError } from "../../components/errors/input-error";
import {
  COMMAND_PRESETS,
  consumeCommand,
  isSchedulerTransport,
  resolveCommands,
} from "../../components/service/commands";
import { migrationJobName } from "../../components/service/migration-job";
import { SCHEDULER_JOB_NAME } from "../../components/service/processes";
import type { ServiceSpec } from "../../components/service/spec";
import { frameworks } from "../../components/service/spec";
import { validateCatalog } from "../../infra/catalog/validate";
import { catalog } from "../helpers/catalog";
import { nonEmpty } from "../helpers/non-empty";
import { baseConfig, type KubeObject, type Planned, plan } from "../helpers/program";

// Commands the service chooses: framework presets, free commands, Symfony Scheduler transports.

const image = (s: string) => `registry.example.com/platform/${s}:2026.11.3`;
const laravel = catalog.filter((s) => s.framework === "laravel");
const withSchedulerTransport = catalog.filter((s) =>
  s.messaging?.consumers.some((c) => c.queues.some(isSchedulerTransport)),
);
let planned: Planned;

beforeAll(async () => {
  planned = await plan(baseConfig());
  expect(planned.run.error).toBeUndefined();
}, 60_000);

const containersOf = (o: KubeObject) => {
  const pod = o.kind === "CronJob" ? o.spec.jobTemplate.spec.template.spec : o.spec.template.spec;
  return [...(pod.initContainers ?? []), ...pod.containers];
};
const workloadsOf = (p: Planned, service: string) =>
  ["Deployment", "Job", "CronJob"]
    .flatMap((k) => p.all(k))
    .filter((o) => o.metadata.labels?.["app.kubernetes.io/name"] === service);

describe("presets", () => {
  it("Symfony is the default; each preset names a console, a release, a consumer and a scheduler", () => {
    expect(resolveCommands(undefined)).toEqual(COMMAND_PRESETS.symfony);
    for (const f of nonEmpty(frameworks)) expect(COMMAND_PRESETS[f].console.length).toBeGreaterThan(0);
  });

  it("expands the consumer template: one argument per queue, or joined with commas inside a token", () => {
    expect(consumeCommand(COMMAND_PRESETS.symfony, ["a", "b"], 60)).toEqual([
      "php",
      "bin/console",
      "messenger:consume",
      "a",
      "b",
      "--time-limit=60",
      "--no-interaction",
    ]);
    expect(consumeCommand(COMMAND_PRESETS.laravel, ["a", "b"], 60)).toEqual([
      "php",
      "artisan",
      "queue:work",
      "--queue=a,b",
      "--max-time=60",
      "--no-interaction",
    ]);
  });
});

describe("a Laravel service", () => {
  it("exists in the catalog as the example", () => expect(laravel.length).toBeGreaterThan(0));

  it.each(laravel.map((s) => [s.name, s]))("%s migrates, consumes and schedules with artisan", (_, s) => {
    const spec = s as ServiceSpec;
    const job = planned.one("Job", migrationJobName(spec.name, image(spec.name)));
    expect(containersOf(job).map((c) => c.command)).toEqual([["php", "artisan", "migrate", "--force"]]);
    for (const consumer of spec.messaging?.consumers ?? []) {
      expect(planned.container("Deployment", `${spec.name}-${consumer.name}`).command).toEqual([
        "php",
        "artisan",
        "queue:work",
        `--queue=${consumer.queues.join(",")}`,
        `--max-time=${consumer.timeLimitSeconds ?? 3600}`,
        "--no-interaction",
      ]);
    }
    const scheduler = planned.one("CronJob", `${spec.name}-${SCHEDULER_JOB_NAME}`);
    expect(scheduler.spec.schedule).toBe("* * * * *");
    expect(scheduler.spec.concurrencyPolicy).toBe("Forbid");
    expect(containersOf(scheduler)[0].command).toEqual([
      "php",
      "artisan",
      "schedule:run",
      "--no-interaction",
    ]);
    for (const o of nonEmpty(workloadsOf(planned, spec.name)))
      for (const c of nonEmpty(containersOf(o)))
        expect(c.command ?? [], o.metadata.name).not.toContain("bin/console");
  });
});

describe("free commands", () => {
  const base = catalog.find((s) => s.database && !s.framework && !s.scheduledJobs);
  if (!base) throw new Error("the catalog has no plain Symfony service with a database");

  it("run several release commands in order, each in its own container of the release Job", async () => {
    const spec: ServiceSpec = {
      ...base,
      commands: {
        console: ["bin/app"],
        release: [["cache:pool:clear", "cache.app"], ["doctrine:migrations:migrate", "-n"], ["app:seed"]],
      },
    };
    const p = await plan(
      { ...baseConfig(), only: [base.name] },
      { catalog: catalog.map((s) => (s.name === base.name ? spec : s)) },
    );
    expect(p.run.error).toBeUndefined();
    const job = p.one("Job", migrationJobName(base.name, image(base.name)));
    expect(containersOf(job).map((c) => c.command)).toEqual([
      ["bin/app", "cache:pool:clear", "cache.app"],
      ["bin/app", "doctrine:migrations:migrate", "-n"],
      ["bin/app", "app:seed"],
    ]);
    expect(job.spec.template.spec.initContainers.map((c: { image: string }) => c.image)).toEqual([
      image(base.name),
      image(base.name),
    ]);
  }, 60_000);

  it("run no release Job when the service lists no release command", async () => {
    const spec: ServiceSpec = { ...base, commands: { release: [] } };
    const p = await plan(
      { ...baseConfig(), only: [base.name] },
      { catalog: catalog.map((s) => (s.name === base.name ? spec : s)) },
    );
    expect(p.run.error).toBeUndefined();
    expect(workloadsOf(p, base.name).filter((o) => o.kind === "Job")).toEqual([]);
  }, 60_000);
});

describe("Symfony Scheduler transports", () => {
  it("are consumed like queues and never declared on RabbitMQ", () => {
    expect(withSchedulerTransport.length).toBeGreaterThan(0);
    const definitions = JSON.stringify(planned.all("Secret").map((s) => s.stringData ?? {}));
    nonEmpty(
      withSchedulerTransport.flatMap((s) =>
        (s.messaging?.consumers ?? []).flatMap((c) => c.queues.filter(isSchedulerTransport)),
      ),
      "scheduler transports",
    );
    for (const s of nonEmpty(withSchedulerTransport)) {
      for (const c of s.messaging?.consumers ?? []) {
        const command = planned.container("Deployment", `${s.name}-${c.name}`).command as string[];
        for (const q of nonEmpty(c.queues)) expect(command).toContain(q);
        for (const q of c.queues.filter(isSchedulerTransport)) expect(definitions).not.toContain(`"${q}"`);
      }
    }
  });

  it("only by name: another undeclared queue is still refused", () => {
    const s = withSchedulerTransport[0] as ServiceSpec;
    const messaging = s.messaging as NonNullable<ServiceSpec["messaging"]>;
    const bad = {
      ...s,
      messaging: { ...messaging, consumers: [{ name: "typo", queues: ["schedulerengagement"] }] },
    };
    expect(() => validateCatalog(catalog.map((x) => (x.name === s.name ? bad : x)))).toThrow(
      PlatformInputError,
    );
    expect(isSchedulerTransport("scheduler_default")).toBe(true);
    expect(isSchedulerTransport("scheduler_")).toBe(false);
  });
});
