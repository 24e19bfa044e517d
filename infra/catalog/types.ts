import type { SecretSpec } from "../../components/service/app-settings";
import type { Framework, ServiceCommands } from "../../components/service/commands";

// The shape of one catalog entry: everything the platform needs to know about a
// service to run it. Static, typed, reviewed in merge requests like code.

/** CPU in millicores and memory in MiB: plain numbers keep arithmetic and validation simple. */
export interface ContainerSize {
  cpuMillis: number;
  memoryMiB: number;
  /** Memory limit; defaults to the request (no overcommit for PHP workers that grow to memory_limit). */
  memoryLimitMiB?: number;
}

/** Named sizes so most entries need no numbers at all. */
export type SizeName = "small" | "medium" | "large";

export type Size = SizeName | ContainerSize;

/** A relational database owned by the service. */
export interface DatabaseNeed {
  /** A server of its own instead of a share (database + role) of the platform's server. */
  dedicated?: boolean;
  /**
   * `breaking`: the service's migrations are not backward compatible with the running code, so on a
   * new image its workloads are deleted before the migration Job and created again after it (a
   * short outage instead of old code on a new schema; docs/runtime-contract.md, "Migrations").
   * @default "compatible"
   */
  schemaChanges?: "compatible" | "breaking";
}

/** The service's Redis: cache, sessions, locks and rate limiter, under its own keyspace prefix. */
export interface RedisNeed {
  /** An instance of its own instead of a prefix on the platform's instance. */
  dedicated?: boolean;
}

/** One object-storage container (Blob container / S3 bucket). */
export interface BucketNeed {
  /** DNS-1123 label, unique within the service; the container is named `<service>-<name>`. */
  name: string;
  purpose: string;
  access?: "read-write" | "read-only";
}

export interface ExchangeSpec {
  name: string;
  type: "direct" | "topic" | "fanout" | "headers";
}

export interface QueueSpec {
  name: string;
  /** Bindings of this queue to the service's own exchanges. */
  bindings: Array<{ exchange: string; routingKey: string }>;
  /** A dead-letter queue `<name>.dlq` receives what the consumer rejects. Default true. */
  deadLetter?: boolean;
  /** Quorum queues survive a broker node loss; classic only for throwaway queues. Default quorum. */
  kind?: "quorum" | "classic";
}

/**
 * A message consumer: one Deployment running the service's consume command (`bin/console
 * messenger:consume <queues>` by default). `scheduler_<name>` queues are Symfony Scheduler
 * transports: consumed like queues, never declared on the broker.
 */
export interface ConsumerSpec {
  /** DNS-1123 label, unique within the service; the Deployment is named `<service>-<name>`. */
  name: string;
  queues: string[];
  replicas?: number;
  size?: Size;
  /** Seconds a consumer may take to finish its message after SIGTERM (Flight's stop_wait_timeout). */
  stopTimeoutSeconds?: number;
  /** Passed as `--time-limit`: consumers restart regularly to shed leaked memory. */
  timeLimitSeconds?: number;
}

export interface MessagingSpec {
  exchanges: ExchangeSpec[];
  queues: QueueSpec[];
  consumers: ConsumerSpec[];
}

export interface ScheduledJobSpec {
  /** DNS-1123 label, unique within the service; the CronJob is named `<service>-<name>`. */
  name: string;
  /** Standard five-field cron expression. */
  schedule: string;
  /** The Symfony console command and its arguments, e.g. ["app:sitemap:generate"]. */
  command: string[];
  timeZone?: string;
  size?: Size;
  /** Kill the run after this many seconds. */
  deadlineSeconds?: number;
}

export interface RouteSpec {
  /** Path prefix on the public hostname, e.g. "/api/content". */
  pathPrefix: string;
}

/** Per-request limits (Flight's request_duration, request_payload, request_memory). */
export interface PhpLimits {
  memoryLimitMiB: number;
  maxExecutionSeconds: number;
  uploadMaxMiB: number;
}

export interface ServiceSpec {
  /** DNS-1035 label: it names the Service, the Deployment and the in-cluster host name. */
  name: string;
  description: string;
  /** Image repository under the stack's registry; defaults to the service name. */
  image?: string;
  /** Services this one calls. Each becomes an `APP__<TARGET>__HOST` variable and a network path. */
  dependsOn: string[];
  /**
   * Mutual calls the team knows about and accepts (e.g. a callback). Without an entry here, a
   * dependency cycle is rejected: it usually means two services that should be one.
   */
  acceptedCycles?: Array<{ with: string; reason: string }>;
  database?: DatabaseNeed;
  /** Every service gets Redis unless it opts out; a service without it cannot run replicated. */
  redis?: RedisNeed | false;
  buckets?: BucketNeed[];
  messaging?: MessagingSpec;
  scheduledJobs?: ScheduledJobSpec[];
  routes?: RouteSpec[];
  /** Path that answers 200 only when the app can serve (PHP up, database and Redis reachable). */
  readinessPath: string;
  web: {
    size: Size;
    /** Replicas the web Deployment may scale between; the stack may override. */
    replicas?: { min: number; max: number };
  };
  php?: Partial<PhpLimits>;
  /** FrankenPHP worker mode keeps PHP processes alive across requests: only once audited. */
  workerModeAudited?: boolean;
  /**
   * The preset of console entry point, release, consumer and scheduler commands
   * (components/service/commands.ts).
   * @default "symfony"
   */
  framework?: Framework;
  /** Commands that replace the preset's, field by field. */
  commands?: ServiceCommands;
  /**
   * Plain settings for the service's ConfigMap (`FEATURE_X: "on"`); the policy pack's
   * no-plaintext-secrets check reads them like every ConfigMap, so no credential hides here.
   */
  env?: Record<string, string>;
  /** Secrets the service needs; values come from the stack (docs/runtime-contract.md, "Secrets"). */
  secrets?: SecretSpec[];
}
