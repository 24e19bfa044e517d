import { needs } from "../../components/backing/kind";
import { redisKind } from "../../components/backing/kinds";
import { displayValue } from "../../components/errors/display";
import { type InputProblem, PlatformInputError } from "../../components/errors/input-error";
import { urlPathProblem } from "../../components/kube/url-path";
import { isSchedulerTransport } from "../../components/service/commands";
import {
  resolvePhpLimits,
  resolveSize,
  type ServiceSpec,
  type Size,
  serviceSpecSchema,
} from "../../components/service/spec";
import { literalCredential } from "../../policies/lib/secrets";
import { cronProblem } from "./cron";
import { findCycle } from "./graph";
import { specProblems } from "./spec-issues";
import { closestName } from "./suggest";

// Catalog validation: everything a reviewer would otherwise have to catch by eye, with an error
// that says which file, which field, and what to do. The schema (types, unknown fields, ranges)
// comes first; the rules here see only well-typed specs and check what spans fields and services.

/** Where the services of the platform repository live, one `<name>.yaml` per service. */
export const CATALOG_DIRECTORY = "infra/catalog/services";

/** The file a service's problems point at, when the caller does not know better. */
export const defaultSourceOf = (service: string): string => `${CATALOG_DIRECTORY}/${service}.yaml`;

/** DNS-1035 label: the Service name becomes a host name and must start with a letter. */
const DNS_1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
/** DNS-1123 label, for names that are only ever suffixes. */
const DNS_1123 = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** RabbitMQ names we accept: dotted lower-case words, as in `media.thumbnails`. */
const AMQP_NAME = /^[a-z0-9]([-a-z0-9._]*[a-z0-9])?$/;

/** Longest service name: `<service>-<job>` must fit a CronJob name (52 characters). */
export const MAX_SERVICE_NAME = 30;
const MAX_SUFFIX_NAME = 20;
const MAX_REPLICAS = 50;

/**
 * Names of the platform's own components in the stack's namespace: a service may take neither one
 * of them nor one that starts with `<name>-`, because the components name their objects that way
 * (`postgres-admin`, `redis-cache-acl`, `http-cache-purge`) and a service names its own objects
 * `<service>-...`: the two would overwrite each other. test/platform/reserved-names.test.ts
 * reads every name the planned stacks give a component's object and checks it is covered here.
 */
export const RESERVED_NAMES: ReadonlySet<string> = new Set([
  // backing services and their kinds
  "postgres",
  "redis",
  "rabbitmq",
  "azurite",
  "database",
  "cache",
  "message-broker",
  "azure",
  // logging, monitoring, the gateway and its HTTP cache tier
  "loki",
  "log-shipper",
  "grafana",
  "dashboard",
  "gateway",
  "http-cache",
  // the namespace's own policies, and names Kubernetes itself uses
  "allow-dns",
  "platform",
  "kubernetes",
  "default",
]);

/** The reserved name a service name takes, if any: the name itself or its `<reserved>-` prefix. */
export function reservedNameOf(name: string): string | undefined {
  for (const reserved of RESERVED_NAMES) {
    if (name === reserved || name.startsWith(`${reserved}-`)) return reserved;
  }
  return undefined;
}

/**
 * Validates a whole catalog: each spec against the schema, then the rules between fields and
 * between services. `sourceOf` names the file of each service (a spec from a service repository
 * lives outside infra/catalog/services).
 */
export function validateCatalog(
  services: readonly ServiceSpec[],
  sourceOf: (service: string) => string = defaultSourceOf,
): void {
  const problems: InputProblem[] = [];
  if (services.length === 0) {
    throw new PlatformInputError([
      {
        source: `${CATALOG_DIRECTORY}/`,
        field: "(catalog)",
        problem: "the catalog has no service",
        fix: `add a service spec, ${CATALOG_DIRECTORY}/<name>.yaml (README: Adding a service)`,
      },
    ]);
  }
  for (const [i, s] of services.entries()) {
    const result = serviceSpecSchema.safeParse(s);
    if (!result.success) {
      const name = typeof s?.name === "string" && s.name ? s.name : `#${i}`;
      problems.push(...specProblems(result.error.issues, serviceSpecSchema, s, { source: sourceOf(name) }));
    }
  }
  if (problems.length > 0) throw new PlatformInputError(problems);

  const at = (service: string, field: string, problem: string, fix: string) =>
    problems.push({ source: sourceOf(service), field: field.replace(/^\./, ""), problem, fix });

  const names = new Set<string>();
  for (const [i, s] of services.entries()) {
    const label = s.name || `#${i}`;
    if (!DNS_1035.test(s.name) || s.name.length > MAX_SERVICE_NAME) {
      at(
        label,
        ".name",
        `"${s.name}" is not a DNS-1035 label of at most ${MAX_SERVICE_NAME} characters`,
        "use lower-case letters, digits and '-', starting with a letter and ending with a letter or digit",
      );
    }
    const reserved = reservedNameOf(s.name);
    if (reserved) {
      at(
        label,
        ".name",
        `"${s.name}" is reserved for a platform component${reserved === s.name ? "" : ` (names starting with "${reserved}-" belong to its objects)`}`,
        `choose another service name: none of ${[...RESERVED_NAMES].join(", ")}, nor one starting with one of them and '-'`,
      );
    }
    if (names.has(s.name)) {
      at(label, ".name", `"${s.name}" is declared twice`, "remove one of the two entries or rename one");
    }
    names.add(s.name);
  }

  const routeOwners = new Map<string, string>();
  for (const s of services) {
    validateDependencies(s, names, at);
    validateRuntime(s, at);
    validateStorage(s, at);
    validateMessaging(s, at);
    validateScheduledJobs(s, at);
    for (const [i, r] of (s.routes ?? []).entries()) {
      const pathProblem = urlPathProblem(r.pathPrefix);
      if (pathProblem) {
        at(
          s.name,
          `.routes[${i}].pathPrefix`,
          `is not an absolute URL path: it ${pathProblem} (got ${displayValue(r.pathPrefix)})`,
          'write a path such as "/api/content": \'/\' then letters, digits and - . _ ~, without empty, "." or ".." segments',
        );
        continue;
      }
      const owner = routeOwners.get(r.pathPrefix);
      if (owner) {
        at(
          s.name,
          `.routes[${i}].pathPrefix`,
          `"${r.pathPrefix}" is already routed to "${owner}"`,
          "give each service its own path prefix",
        );
      }
      routeOwners.set(r.pathPrefix, s.name);
    }
  }

  if (problems.length === 0) {
    const accepted = new Set(
      services.flatMap((s) =>
        (s.acceptedCycles ?? []).flatMap((c) => [`${s.name}->${c.with}`, `${c.with}->${s.name}`]),
      ),
    );
    const cycle = findCycle(services, accepted);
    if (cycle) {
      at(
        cycle[0] as string,
        ".dependsOn",
        `dependency cycle ${cycle.join(" -> ")}`,
        "remove one of these edges, or, if the mutual call is intended, declare it in acceptedCycles with a reason",
      );
    }
  }

  if (problems.length > 0) throw new PlatformInputError(problems);
}

type Report = (service: string, field: string, problem: string, fix: string) => void;

function validateDependencies(s: ServiceSpec, names: ReadonlySet<string>, at: Report): void {
  const seen = new Set<string>();
  for (const [i, d] of s.dependsOn.entries()) {
    const field = `.dependsOn[${i}]`;
    if (d === s.name) at(s.name, field, "a service cannot depend on itself", `remove "${d}" from dependsOn`);
    else if (!names.has(d)) {
      const hint = closestName(d, names);
      at(
        s.name,
        field,
        `unknown service "${d}"`,
        hint
          ? `did you mean "${hint}"? Otherwise add "${d}" to the catalog`
          : `add "${d}" to the catalog or remove it`,
      );
    }
    if (seen.has(d)) at(s.name, field, `"${d}" is listed twice`, "list each dependency once");
    seen.add(d);
  }
  for (const [i, c] of (s.acceptedCycles ?? []).entries()) {
    if (!names.has(c.with))
      at(
        s.name,
        `.acceptedCycles[${i}].with`,
        `unknown service "${c.with}"`,
        "name a service of the catalog",
      );
    if (c.reason.trim().length < 10) {
      at(
        s.name,
        `.acceptedCycles[${i}].reason`,
        "an accepted cycle needs a reason",
        "say in a sentence why the mutual call is intended",
      );
    }
  }
}

function validateRuntime(s: ServiceSpec, at: Report): void {
  const readinessProblem = urlPathProblem(s.readinessPath);
  if (readinessProblem) {
    at(
      s.name,
      ".readinessPath",
      `is not an absolute URL path: it ${readinessProblem} (got ${displayValue(s.readinessPath)})`,
      'use a path such as "/health/ready"',
    );
  } else if (s.readinessPath === "/metrics" || s.readinessPath === "/") {
    at(
      s.name,
      ".readinessPath",
      `"${s.readinessPath}" does not prove that the app can serve`,
      "point it at an endpoint that checks PHP and the service's own backing services, e.g. /health/ready",
    );
  }
  if (s.image !== undefined && !/^[a-z0-9]+([._/-][a-z0-9]+)*$/.test(s.image)) {
    at(
      s.name,
      ".image",
      `"${s.image}" is not a valid image repository name`,
      "use lower-case path components such as team/service",
    );
  }
  for (const [name, value] of Object.entries(s.env ?? {})) {
    // The policy pack's own judgement (no-plaintext-secrets), here so the spec is refused at input.
    const credential = literalCredential(name, value);
    if (credential) {
      at(
        s.name,
        `.env.${name}`,
        `holds ${credential.what} in plain text (env values land in a ConfigMap; the value is not shown)`,
        `remove it from env, declare it under secrets (- name: ${name}) and set its value with pulumi config set --secret --path 'platform:secrets.${s.name}.${name}' ...`,
      );
    }
  }
  checkSize(s.name, ".web.size", s.web.size, at);
  const replicas = s.web.replicas;
  if (replicas && replicas.max < replicas.min) {
    at(
      s.name,
      ".web.replicas.max",
      `${replicas.max} is below min (${replicas.min})`,
      `use a whole number from min (${replicas.min}) to ${MAX_REPLICAS}`,
    );
  }
  const canReplicate = (replicas?.max ?? 1) > 1;
  const hasRedis = needs(redisKind, s);
  if (canReplicate && !hasRedis) {
    at(
      s.name,
      `.${redisKind.field}`,
      "a service that can run more than one replica has no shared Redis for cache, sessions and locks",
      "remove `redis: false`, or set web.replicas.max to 1",
    );
  }
  if (s.workerModeAudited && !hasRedis) {
    at(
      s.name,
      ".workerModeAudited",
      "worker mode needs a shared cache to invalidate in-process state",
      "remove `redis: false`",
    );
  }
  const php = resolvePhpLimits(s.php);
  const web = resolveSize(s.web.size);
  if (php.memoryLimitMiB >= web.memoryLimitMiB) {
    at(
      s.name,
      ".php.memoryLimitMiB",
      `PHP may use ${php.memoryLimitMiB} MiB per request but the container is limited to ${web.memoryLimitMiB} MiB: the kernel kills the pod before PHP can report the error`,
      "lower php.memoryLimitMiB or give web.size more memory",
    );
  }
}

function validateStorage(s: ServiceSpec, at: Report): void {
  const seen = new Set<string>();
  for (const [i, b] of (s.buckets ?? []).entries()) {
    const container = `${s.name}-${b.name}`;
    if (!DNS_1123.test(b.name) || container.length > 63 || container.includes("--")) {
      at(
        s.name,
        `.buckets[${i}].name`,
        `"${b.name}" gives the container name "${container}", which Blob Storage rejects`,
        "use lower-case letters, digits and single '-', keeping <service>-<bucket> within 63 characters",
      );
    }
    if (seen.has(b.name))
      at(s.name, `.buckets[${i}].name`, `bucket "${b.name}" is declared twice`, "name each bucket once");
    seen.add(b.name);
  }
}

function validateMessaging(s: ServiceSpec, at: Report): void {
  const m = s.messaging;
  if (!m) return;
  const exchanges = new Set<string>();
  for (const [i, e] of m.exchanges.entries()) {
    if (!AMQP_NAME.test(e.name))
      at(
        s.name,
        `.messaging.exchanges[${i}].name`,
        `"${e.name}" is not a valid name`,
        "use lower-case words joined by '.', '-' or '_'",
      );
    if (exchanges.has(e.name))
      at(
        s.name,
        `.messaging.exchanges[${i}].name`,
        `exchange "${e.name}" is declared twice`,
        "declare it once",
      );
    exchanges.add(e.name);
  }
  const queues = new Set<string>();
  for (const [i, q] of m.queues.entries()) {
    if (!AMQP_NAME.test(q.name))
      at(
        s.name,
        `.messaging.queues[${i}].name`,
        `"${q.name}" is not a valid name`,
        "use lower-case words joined by '.', '-' or '_'",
      );
    if (queues.has(q.name))
      at(s.name, `.messaging.queues[${i}].name`, `queue "${q.name}" is declared twice`, "declare it once");
    queues.add(q.name);
    for (const [j, b] of q.bindings.entries()) {
      if (!exchanges.has(b.exchange)) {
        at(
          s.name,
          `.messaging.queues[${i}].bindings[${j}].exchange`,
          `queue "${q.name}" binds to undeclared exchange "${b.exchange}"`,
          `declare "${b.exchange}" in messaging.exchanges`,
        );
      }
    }
  }
  const consumers = new Set<string>();
  for (const [i, c] of m.consumers.entries()) {
    const field = `.messaging.consumers[${i}]`;
    checkSuffixName(s.name, `${field}.name`, c.name, at);
    if (consumers.has(c.name))
      at(s.name, `${field}.name`, `consumer "${c.name}" is declared twice`, "name each consumer once");
    consumers.add(c.name);
    if (c.queues.length === 0)
      at(s.name, `${field}.queues`, "a consumer must consume at least one queue", "list the queues it reads");
    for (const q of c.queues) {
      if (!queues.has(q) && !isSchedulerTransport(q))
        at(
          s.name,
          `${field}.queues`,
          `queue "${q}" is not declared by this service`,
          `declare "${q}" in messaging.queues`,
        );
    }
    if (c.size) checkSize(s.name, `${field}.size`, c.size, at);
  }
}

function validateScheduledJobs(s: ServiceSpec, at: Report): void {
  const consumerNames = new Set((s.messaging?.consumers ?? []).map((c) => c.name));
  const seen = new Set<string>();
  for (const [i, j] of (s.scheduledJobs ?? []).entries()) {
    const field = `.scheduledJobs[${i}]`;
    checkSuffixName(s.name, `${field}.name`, j.name, at);
    if (seen.has(j.name) || consumerNames.has(j.name) || j.name === "migrate") {
      at(
        s.name,
        `${field}.name`,
        `"${j.name}" is already used by this service`,
        "give each consumer and scheduled job its own name",
      );
    }
    seen.add(j.name);
    const cron = cronProblem(j.schedule);
    if (cron) {
      at(
        s.name,
        `${field}.schedule`,
        cron,
        'write five fields, minute hour day-of-month month day-of-week, e.g. "0 8 * * MON" or "*/15 * * * *", or a macro such as @daily',
      );
    }
    if (j.command.length === 0 || !/^[a-z0-9-]+(:[a-z0-9-]+)+$/.test(j.command[0] ?? "")) {
      at(
        s.name,
        `${field}.command`,
        "the first element must be a Symfony console command such as app:sitemap:generate",
        "list the command and its arguments",
      );
    }
    if (j.size) checkSize(s.name, `${field}.size`, j.size, at);
  }
}

function checkSize(service: string, field: string, size: Size, at: Report): void {
  if (typeof size === "string") return;
  if (size.memoryLimitMiB !== undefined && size.memoryLimitMiB < size.memoryMiB) {
    at(
      service,
      `${field}.memoryLimitMiB`,
      "the limit is below the request",
      "set memoryLimitMiB >= memoryMiB",
    );
  }
}

function checkSuffixName(service: string, field: string, name: string, at: Report): void {
  if (!DNS_1123.test(name) || name.length > MAX_SUFFIX_NAME) {
    at(
      service,
      field,
      `"${name}" is not a DNS-1123 label of at most ${MAX_SUFFIX_NAME} characters`,
      "use lower-case letters, digits and '-'",
    );
  }
}
