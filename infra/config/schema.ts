import { z } from "zod";
import { azureSchema } from "../../components/azure-options/schema";
import { images as backingImagePins } from "../../components/backing/images";
import { httpCacheImages as httpCacheImagePins } from "../../components/http-cache/images";
import {
  dnsLengthProblem,
  hostName,
  namespaceReference,
  objectName,
} from "../../components/kube/object-names";
import { type QuantityKind, quantityProblem } from "../../components/kube/quantity";
import { loggingImages as loggingImagePins } from "../../components/logging/images";
import { weekdayEntryProblem } from "../../components/monitoring/quiet-times";
import type { EphemeralConfig } from "../../components/namespace/ephemeral";
import { logLevels } from "../../components/service/log-level";
import { ENVIRONMENTS, type Environment, environments, environmentsWhere } from "./environments";

// The stack configuration (`platform:*` keys of stacks/Pulumi.<stack>.yaml), as one strict schema:
// an unknown key is an error, not a silently ignored typo.
// Defaults are stated once, on the field (`.default(value)`); a section that may be left out is
// `.prefault({})`, which parses the empty section so that its fields' own defaults apply.

/** DNS-1123 label short enough that `<namespace>-logs` and `<namespace>-admin` (Azure) still are. */
const namespaceName = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "must be a DNS-1123 label (lower-case letters, digits, '-')")
  .max(
    57,
    "must be at most 57 characters (the logging namespace appends '-logs', the admin namespace '-admin')",
  );

/** A version tag or a digest; `latest` and other moving tags are refused. */
export const imageTag = z
  .string()
  .refine((t) => !/^(latest|main|master|develop|dev|stable|edge)$/.test(t), {
    message: "is a moving tag: the same name points at different images over time",
  })
  .refine((t) => /^sha256:[a-f0-9]{64}$/.test(t) || /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(t), {
    message: "is neither an image tag ([A-Za-z0-9_.-], at most 128 characters) nor a sha256:<64 hex> digest",
  });

const registry = z
  .string()
  .regex(
    /^[a-z0-9]+([.-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/,
    "must be a registry host with an optional path, e.g. myregistry.azurecr.io/platform",
  )
  .superRefine((value, ctx) => {
    const problem = registryHostProblem(value);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });

/** Longest image repository name, registry included (the distribution spec's limit). */
export const MAX_REPOSITORY_NAME = 255;

export function repositoryLengthProblem(repository: string): string | undefined {
  return repository.length > MAX_REPOSITORY_NAME
    ? `gives the repository name of ${repository.length} characters: registries accept at most ${MAX_REPOSITORY_NAME}`
    : undefined;
}

/** The host and port of a registry reference (`host[:port]/...`) within DNS and TCP limits. */
function registryHostProblem(reference: string): string | undefined {
  const [hostPort = ""] = reference.split("/");
  const [host = "", port] = hostPort.split(":");
  const dns = dnsLengthProblem(host);
  if (dns) return `its host ${dns}`;
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65_535))
    return `its port ${port} is not a TCP port (1 to 65535)`;
  return undefined;
}

/** The third-party images a stack can redirect: the backing services', the logging stack's, the HTTP cache's. */
export const thirdPartyImageNames = [
  ...Object.keys(backingImagePins),
  ...Object.keys(loggingImagePins),
  ...Object.keys(httpCacheImagePins),
] as [string, ...string[]];

/** `host[:port]/path/name:tag` or `...@sha256:<64 hex>`, with a pinned tag. */
const imageReferenceSchema = z
  .string()
  .regex(
    /^[a-z0-9]+([.-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)+(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}|@sha256:[a-f0-9]{64})$/,
    "must be a complete image reference with its registry and a tag or digest, e.g. mirror.example.com/library/postgres:17.6-alpine",
  )
  .refine((r) => !/:(latest|main|master|develop|dev|stable|edge)$/.test(r), {
    message: "uses a moving tag: the same name points at different images over time",
  })
  .superRefine((value, ctx) => {
    const problem =
      registryHostProblem(value) ?? repositoryLengthProblem(value.replace(/(:[^/:]*|@sha256:.*)$/, ""));
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });

const logLevel = z.enum(logLevels);

const replicaRange = z
  .strictObject({
    min: z.number().int().min(1).max(50),
    max: z.number().int().min(1).max(50),
  })
  .refine((r) => r.min <= r.max, { message: "min must not exceed max", path: ["min"] });

const serviceOverride = z.strictObject({
  /** @default - the catalog's `web.replicas` (else 1 to 1) */
  replicas: replicaRange.optional(),
  /** @default - the stack's `images.tag` */
  imageTag: imageTag.optional(),
  /** @default - the stack's `logLevel` */
  logLevel: logLevel.optional(),
});

const quantity = (kind: QuantityKind) =>
  z.string().superRefine((text, ctx) => {
    const problem = quantityProblem(text, kind);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });

const clusterSchema = z.discriminatedUnion("source", [
  z.strictObject({
    source: z.literal("context"),
    /** The kubeconfig context to deploy to. @default - the kubeconfig's current context */
    context: z.string().min(1).optional(),
  }),
  z.strictObject({ source: z.literal("kubeconfig") }),
  z.strictObject({
    source: z.literal("stack-reference"),
    stack: z
      .string()
      .regex(
        /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/,
        "must be <organization>/<project>/<stack>",
      ),
    /** @default "kubeconfig" */
    output: z.string().min(1).default("kubeconfig"),
  }),
  z.strictObject({ source: z.literal("aks") }),
]);

const labelValue = z
  .string()
  .max(63)
  .regex(
    /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/,
    "must be a Kubernetes label value ([A-Za-z0-9_.-], at most 63)",
  );

const ephemeralSchema = z.strictObject({
  pipeline: labelValue.min(1),
  owner: labelValue.min(1),
  /** @default - no `ref` label */
  ref: labelValue.optional(),
  /** @default - no `commit` label */
  commit: labelValue.optional(),
  expiresAt: z.iso.datetime({
    offset: true,
    message: "must be an ISO 8601 date-time such as 2026-11-29T18:00:00Z",
  }),
}) satisfies z.ZodType<EphemeralConfig>;

const gatewaySchema = z.strictObject({
  /** @default true */
  enabled: z.boolean().default(true),
  /** The GatewayClass (a cluster-scoped object) the Gateway asks for. */
  className: objectName,
  hostname: hostName,
  /**
   * Secret (kubernetes.io/tls) holding the listener certificate.
   * @default - no TLS: a plain HTTP listener on port 80
   */
  tlsSecretName: objectName.optional(),
  /**
   * Where gateway traffic comes from, for the services' NetworkPolicies.
   * @default {} (each field's own default)
   */
  allowFrom: z
    .strictObject({
      /** @default [] */
      namespaces: z.array(namespaceReference).default([]),
      /** @default [] */
      cidrs: z.array(z.cidrv4()).default([]),
    })
    .prefault({}),
});

const loggingSchema = z.strictObject({
  /** Grafana Alloy is the maintained shipper; Promtail reached end of life on 2026-03-02. @default "alloy" */
  shipper: z.enum(["alloy", "promtail"]).default("alloy"),
  /** Lines older than this are dropped by the shipper and expired by Loki. @default 168 (7 days) */
  retentionHours: z
    .number()
    .int()
    .min(24)
    .max(24 * 90)
    .default(168),
});

const backingSchema = z.strictObject({
  /**
   * `ephemeral` keeps in-cluster data in emptyDirs: fast to create, gone with the pod (CI).
   * @default "persistent"
   */
  persistence: z.enum(["persistent", "ephemeral"]).default("persistent"),
  /** @default - the cluster's default StorageClass */
  storageClass: objectName.optional(),
  /** @default 5 */
  volumeSizeGi: z.number().int().min(1).max(1024).default(5),
});

/** The HTTP cache tier (Varnish, docs/http-cache.md); deployed when a catalog route has `cache`. */
const httpCacheSchema = z.strictObject({
  /**
   * Cache size per replica, MiB. Size it to the working set: an LRU that is too small evicts
   * everything and the hit ratio collapses.
   * @default 256
   */
  memoryMiB: z.number().int().min(64).max(262_144).default(256),
  /**
   * `memory` (malloc) keeps objects in RAM; `disk` (file storage on an emptyDir of diskSizeGi)
   * holds a working set bigger than RAM at the price of page-cache reads.
   * @default "memory"
   */
  storage: z.enum(["memory", "disk"]).default("memory"),
  /** Size of the file storage when storage is disk. @default 10 */
  diskSizeGi: z.number().int().min(1).max(1024).default(10),
  /** Replicas of the tier (capped by replicaCap); each keeps its own copy, purges reach all. @default 2 */
  replicas: z.number().int().min(1).max(20).default(2),
});

const quotaSchema = z.strictObject({
  cpu: quantity("cpu"),
  memory: quantity("memory"),
  pods: z.number().int().min(10).max(2000),
});

const migrationsSchema = z.strictObject({
  /** Finished Jobs are removed after this long (the Pulumi state keeps the record). @default 3600 */
  ttlSecondsAfterFinished: z.number().int().min(60).max(604_800).default(3600),
  /** @default 900 */
  activeDeadlineSeconds: z.number().int().min(60).max(86_400).default(900),
  /** @default 1 */
  backoffLimit: z.number().int().min(0).max(6).default(1),
});

/** An environment variable name a service's secret may have. */
const variableName = z
  .string()
  .regex(/^[A-Z][A-Z0-9_]*$/, "must be an upper-case variable name such as APP_SECRET");

const mailerSchema = z.strictObject({
  /**
   * Where the SMTP relay of `platform:mailerDsn` listens, for the services' NetworkPolicies (a
   * policy cannot name a host). The DSN itself is a secret key of its own.
   */
  relay: z.strictObject({
    cidrs: z.array(z.cidrv4()).min(1),
    /** @default 587 (submission with STARTTLS) */
    port: z.number().int().min(1).max(65_535).default(587),
  }),
});

const alertsSchema = z.strictObject({
  /** Share of 5xx answers (0..1) over 5 minutes above which a service pages. @default 0.05 */
  errorRatio: z.number().gt(0).lt(1).default(0.05),
  /** 95th percentile request duration (seconds) above which a service warns. @default 1 */
  latencyP95Seconds: z.number().positive().max(120).default(1),
  /** Ready messages waiting in one declared queue for 15 minutes before a warning. @default 1000 */
  queueDepth: z.number().int().min(1).default(1000),
});

const hhmm = z.string().regex(/^([01][0-9]|2[0-3]):[0-5][0-9]$/, "must be a 24-hour time HH:MM");

export const notificationsSchema = z
  .strictObject({
    /** Where alerts go; the URL is the secret platform:alertReceiverUrl. */
    kind: z.enum(["slack", "teams", "webhook"]),
    /** @default "Europe/Paris" */
    timeZone: z.string().min(1).default("Europe/Paris"),
    /** Days warnings may page (Alertmanager weekday ranges). @default ["monday:friday"] */
    workingDays: z
      .array(
        z
          .string()
          .regex(/^[a-z]+(:[a-z]+)?$/, "must be a weekday or a range such as monday:friday")
          .superRefine((entry, ctx) => {
            const problem = weekdayEntryProblem(entry);
            if (problem) ctx.addIssue({ code: "custom", message: `${problem}: write e.g. monday:friday` });
          }),
      )
      .min(1)
      .default(["monday:friday"]),
    /** Start of the working hours (local). @default "09:00" */
    start: hhmm.default("09:00"),
    /** End of the working hours (local), after `start`. @default "18:00" */
    end: hhmm.default("18:00"),
    /** Dates (YYYY-MM-DD) without non-critical pages: the deploy window's freeze dates. @default [] */
    holidays: z.array(z.iso.date({ message: "must be a date YYYY-MM-DD" })).default([]),
  })
  .refine((n) => n.start < n.end, {
    path: ["end"],
    message: "must come after start (working hours do not run through midnight)",
  });

const monitoringSchema = z.strictObject({
  /**
   * Monitors, alert rules and dashboards for every service, and the stack that reads them
   * (in-cluster: Prometheus, Alertmanager, Grafana; Azure: managed Prometheus and Grafana).
   * @default false
   */
  enabled: z.boolean().default(false),
  /** How long the in-cluster Prometheus keeps samples. @default "7d" */
  retention: z
    .string()
    .regex(/^[0-9]+[hdw]$/, "must be a duration in hours, days or weeks such as 48h, 7d or 2w")
    .default("7d"),
  /** @default {} (each field's own default) */
  alerts: alertsSchema.prefault({}),
  /**
   * Who is paged and when: Alertmanager routes in-cluster; on Azure an action group and alert
   * processing rules for the quiet hours.
   * @default - no receiver: alerts are visible in Alertmanager but page nobody
   */
  notifications: notificationsSchema.optional(),
});

const rollbackSchema = z.strictObject({
  /**
   * `npm run verify` rolls the stack back to the previous successful update when the check after
   * `pulumi up` fails. @default false
   */
  automatic: z.boolean().default(false),
});

/** `local and ci`: where test conveniences are allowed (environments.ts). */
const TEST_DATA_ENVIRONMENTS = environmentsWhere((b) => b.testData).join(" and ");
/** `prod`: where requests keep the catalog's sizes (environments.ts). */
const PRODUCTION_ENVIRONMENTS = environmentsWhere((b) => b.production).join(" and ");

export const stackConfigSchema = z
  .strictObject({
    profile: z.enum(["in-cluster", "azure"]),
    environment: z.enum(environments as [Environment, ...Environment[]]),
    namespace: namespaceName,
    images: z.strictObject({
      registry,
      tag: imageTag,
      /** @default "IfNotPresent" */
      pullPolicy: z.enum(["IfNotPresent", "Always"]).default("IfNotPresent"),
      /**
       * Secret of type kubernetes.io/dockerconfigjson in the namespace, for private registries.
       * @default - no `imagePullSecrets`
       */
      pullSecret: objectName.optional(),
      /**
       * Registry (host and optional path) that replaces the upstream registry of the third-party
       * images (backing services, Loki, the log shipper): `docker.io/grafana/loki:3.5.5` becomes
       * `<mirror>/grafana/loki:3.5.5`. @default none: the pinned upstream references.
       */
      mirror: registry.optional(),
      /**
       * Complete references for single third-party images, by name (postgres, redis, rabbitmq,
       * azurite, loki, alloy, promtail); they win over `mirror`. @default none
       */
      overrides: z.partialRecord(z.enum(thirdPartyImageNames), imageReferenceSchema).optional(),
    }),
    /** @default "warning" */
    logLevel: logLevel.default("warning"),
    /** Upper bound on every replica count: 1 on a laptop or in CI. @default 50 */
    replicaCap: z.number().int().min(1).max(50).default(50),
    /**
     * A factor on every CPU and memory request the stack renders (services, workers, jobs, backing
     * servers and their setup Jobs, the HTTP cache, Loki, the log shipper, the monitoring chart),
     * so the whole platform fits a small cluster (a laptop's kind) without changing the catalog's
     * sizes. Limits are never scaled; a scaled request is rounded up and kept at least 10m CPU and
     * 16Mi memory (components/kube/resources.ts). Refused below 1 in production.
     * @default 1 (requests as sized)
     */
    requestScale: z
      .number()
      .gt(0, "must be greater than 0: it multiplies every CPU and memory request")
      .max(1, "must be at most 1: requests are only ever scaled down, limits never")
      .default(1),
    /** @default {} (no override: each service as the catalog declares it) */
    services: z.record(z.string(), serviceOverride).default({}),
    /** Deploy only these services and everything they depend on. @default - every service of the catalog */
    only: z.array(z.string()).min(1).optional(),
    /** @default { source: "context" } (the kubeconfig's current context) */
    cluster: clusterSchema.prefault({ source: "context" }),
    /** @default - no Gateway, no public routes and no HTTP cache tier */
    gateway: gatewaySchema.optional(),
    /** @default {} (each field's own default) */
    logging: loggingSchema.prefault({}),
    /** @default {} (each field's own default) */
    backing: backingSchema.prefault({}),
    /** @default - no ResourceQuota on the namespace */
    quota: quotaSchema.optional(),
    /** @default {} (each field's own default) */
    httpCache: httpCacheSchema.prefault({}),
    /** @default {} (each field's own default) */
    migrations: migrationsSchema.prefault({}),
    /**
     * Namespaces whose pods may reach every pod of the stack (integration tests run by a CI
     * runner). Local and CI stacks only: elsewhere it would bypass the dependency graph.
     * @default - no namespace besides the stack's own paths reaches its pods
     */
    testAccess: z.strictObject({ namespaces: z.array(namespaceName).min(1) }).optional(),
    /**
     * Namespace of the Prometheus that scrapes :2019; the only one allowed to reach it.
     * @default "monitoring"
     */
    monitoringNamespace: namespaceReference.default("monitoring"),
    /** @default - a long-lived stack: no ephemeral labels, no expiry */
    ephemeral: ephemeralSchema.optional(),
    /** @default {} (each field's own default) */
    monitoring: monitoringSchema.prefault({}),
    /** @default {} (each field's own default) */
    rollback: rollbackSchema.prefault({}),
    /** @default - none: required when `profile` is azure, refused otherwise */
    azure: azureSchema.optional(),
    /**
     * Secrets of the catalog that no `platform:secrets` value covers are generated with
     * @pulumi/random (local and ci stacks only: test data, never a real credential).
     * @default false
     */
    generateMissingSecrets: z.boolean().default(false),
    /**
     * Azure: Key Vault secrets that operators set out of band, by service and variable
     * (`{authentication: {JWT_PASSPHRASE: auth-jwt-passphrase}}`); the platform reads them, never
     * writes them.
     * @default {} (no out-of-band secret)
     */
    secretRefs: z
      .record(
        z.string(),
        z.record(
          variableName,
          z
            .string()
            .regex(/^[0-9A-Za-z-]{1,127}$/, "must be a Key Vault secret name (letters, digits and '-')"),
        ),
      )
      .default({}),
    /** The SMTP relay for `platform:mailerDsn` (MAILER_DSN). @default - no SMTP relay: no egress to one */
    mailer: mailerSchema.optional(),
  })
  .superRefine((c, ctx) => {
    if (c.profile === "azure" && !c.azure) {
      ctx.addIssue({ code: "custom", path: ["azure"], message: "is required when profile is azure" });
    }
    if (c.profile === "in-cluster" && c.azure) {
      ctx.addIssue({ code: "custom", path: ["azure"], message: "only applies to the azure profile" });
    }
    if (c.profile === "in-cluster" && c.cluster.source === "aks") {
      ctx.addIssue({
        code: "custom",
        path: ["cluster", "source"],
        message: '"aks" creates a cluster and needs the azure profile',
      });
    }
    if (ENVIRONMENTS[c.environment].ephemeral && !c.ephemeral) {
      ctx.addIssue({
        code: "custom",
        path: ["ephemeral"],
        message: `is required for ${c.environment} stacks (pipeline, owner, expiresAt)`,
      });
    }
    if (c.ephemeral && !c.quota) {
      ctx.addIssue({
        code: "custom",
        path: ["quota"],
        message: "is required for ephemeral stacks so one pipeline cannot starve the cluster",
      });
    }
    if (c.testAccess && !ENVIRONMENTS[c.environment].testData) {
      ctx.addIssue({
        code: "custom",
        path: ["testAccess"],
        message: `opens every pod to test runners and is only allowed in ${TEST_DATA_ENVIRONMENTS} stacks`,
      });
    }
    if (c.generateMissingSecrets && !ENVIRONMENTS[c.environment].testData) {
      ctx.addIssue({
        code: "custom",
        path: ["generateMissingSecrets"],
        message: `generates credentials nobody set and is only allowed in ${TEST_DATA_ENVIRONMENTS} stacks`,
      });
    }
    if (Object.keys(c.secretRefs).length > 0 && c.profile !== "azure") {
      ctx.addIssue({
        code: "custom",
        path: ["secretRefs"],
        message: "names Key Vault secrets and needs the azure profile",
      });
    }
    if (c.requestScale < 1 && ENVIRONMENTS[c.environment].production) {
      ctx.addIssue({
        code: "custom",
        path: ["requestScale"],
        message: `scales down the requests of a ${PRODUCTION_ENVIRONMENTS} stack, whose scheduler and autoscaler must plan with the catalog's sizes`,
      });
    }
    if (c.ephemeral && c.profile !== "in-cluster") {
      ctx.addIssue({
        code: "custom",
        path: ["profile"],
        message: "ephemeral stacks use the in-cluster profile (no slow managed cloud resources)",
      });
    }
  });

export type StackConfigInput = z.input<typeof stackConfigSchema>;
export type StackConfig = z.output<typeof stackConfigSchema>;
export type MonitoringConfig = z.output<typeof monitoringSchema>;
export type HttpCacheConfig = z.output<typeof httpCacheSchema>;

/** How to fix each kind of mistake, by key path prefix (most specific first). */
export const fixHints: ReadonlyArray<[path: string, fix: string]> = [
  [
    "images.pullSecret",
    "name a kubernetes.io/dockerconfigjson Secret of the namespace, e.g. registry-credentials",
  ],
  ["images.tag", "pin a release tag such as 2026.11.3 or a digest sha256:<64 hex>"],
  ["images.mirror", "use a registry host with an optional path, e.g. mirror.example.com/hub"],
  [
    "images.overrides",
    `name one of ${thirdPartyImageNames.join(", ")} and give a complete pinned reference, e.g. mirror.example.com/library/postgres:17.6-alpine`,
  ],
  [
    "images.registry",
    "use the registry host and path your CI pushes to, e.g. myregistry.azurecr.io/platform",
  ],
  ["namespace", "use a DNS-1123 label such as platform or platform-ci-1234"],
  ["profile", 'use "in-cluster" (any kube context, CI) or "azure" (AKS and managed services)'],
  ["environment", "use one of local, ci, dev, staging, prod"],
  ["replicaCap", "use a whole number from 1 to 50"],
  [
    "requestScale",
    "use a number above 0 and at most 1 (0.25 requests a quarter of every size; limits stay), or leave it out for the catalog's sizes (always in production)",
  ],
  ["services", "override only services of the catalog (infra/catalog/services/<name>.yaml)"],
  ["only", "list catalog service names; their dependencies are added automatically"],
  [
    "cluster",
    "use {source: context} (current kube context), {source: kubeconfig} with the secret platform:kubeconfig, {source: stack-reference, stack: org/project/stack} or, on Azure, {source: aks}",
  ],
  [
    "gateway.hostname",
    "use the platform's public host name, e.g. platform.example.com: lower-case parts of at most 63 characters, at most 253 in all",
  ],
  ["gateway.className", "name a GatewayClass of the cluster (kubectl get gatewayclass), e.g. envoy-gateway"],
  ["gateway.tlsSecretName", "name a kubernetes.io/tls Secret of the namespace, e.g. platform-tls"],
  ["gateway.allowFrom.namespaces", "list namespace names, e.g. [envoy-gateway-system]"],
  ["gateway", "see the gateway section of the README"],
  ["monitoringNamespace", "name the namespace your Prometheus runs in, e.g. monitoring"],
  ["backing.storageClass", "name a StorageClass of the cluster (kubectl get storageclass), e.g. standard"],
  ["testAccess", "list the namespaces your test runners run in, e.g. [gitlab-runner]"],
  ["ephemeral", "let `npm run ephemeral -- up` write this section"],
  ["httpCache", "see docs/http-cache.md: memoryMiB (64+), storage memory|disk, diskSizeGi, replicas"],
  ["quota", 'set quota: {cpu: "16", memory: 32Gi, pods: 200}'],
  ["azure.rabbitmq.storageClass", "name a StorageClass of the cluster, e.g. managed-csi, or leave it out"],
  ["monitoring", "see docs/observability.md for every key of platform:monitoring"],
  ["rollback", "set rollback: {automatic: true} or leave it out"],
  ["azure", "see docs/azure.md for every key of the Azure profile"],
  [
    "generateMissingSecrets",
    "set the secrets instead: pulumi config set --secret --path 'platform:secrets.<service>.<NAME>' ...",
  ],
  ["secretRefs", "use {<service>: {<NAME>: <key-vault-secret-name>}} on an azure stack"],
  ["mailer", "set mailer: {relay: {cidrs: [10.0.0.10/32], port: 587}} and the secret platform:mailerDsn"],
];
