import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { needs } from "../backing/kind";
import { backingKinds, databaseKind } from "../backing/kinds";
import type { BackingBinding, BackingServices } from "../backing/types";
import { type HttpCacheClient, purgeEnv } from "../http-cache/client";
import { clusterHost } from "../kube/cluster-dns";
import { serviceLabels } from "../kube/labels";
import type { RequestScale } from "../kube/resources";
import type { AppSettings } from "./app-settings";
import { CREDENTIALS_VERSION_ANNOTATION } from "./app-settings";
import { breakingRelease } from "./breaking-release";
import { consumerWorkload } from "./consumers";
import type { DeployedService } from "./deployed-service";
import { applicationEnv, credentialEnv, HTTP_PORT } from "./environment";
import { type MigrationSettings, migrationJob } from "./migration-job";
import { serviceNetworkPolicy } from "./network-policy";
import type { ImageSettings } from "./pod-template";
import { serviceProcesses } from "./processes";
import { scheduledJob } from "./scheduled-jobs";
import { webWorkload } from "./web";

// One catalog entry, run: the service together with what it needs. Its backing services
// (database, Redis, object storage, broker: components/backing/kinds) come from the profile's
// provisioners; its identity and credentials from the profile's identity and secret store;
// everything else is plain Kubernetes with safe defaults.

export interface PhpServiceArgs {
  service: DeployedService;
  namespace: string;
  /** Services that declare this one as a dependency: the only callers its network policy admits. */
  dependents: readonly string[];
  backing: BackingServices;
  images: ImageSettings;
  migrations: MigrationSettings;
  gateway: { namespaces: string[]; cidrs: string[] };
  monitoringNamespace: string;
  /**
   * The HTTP cache tier, when the stack runs one: purge settings and network paths.
   * @default - no cache tier: no purge settings, every public route goes straight to the service
   */
  httpCache?: HttpCacheClient;
  /**
   * The service's own settings and secrets (components/service/app-settings.ts).
   * @default - only the platform's settings (backing services, purge) in the service's environment
   */
  appSettings?: (parent: pulumi.Resource) => AppSettings;
  /**
   * A factor on the CPU and memory requests of every process (web, consumers, scheduled jobs, the
   * release Job): the stack's `platform:requestScale`. Limits are unchanged.
   * @default 1 (requests as sized)
   */
  requestScale?: RequestScale;
}

export class PhpService extends pulumi.ComponentResource {
  /** In-cluster URL other services call. */
  readonly url: pulumi.Output<string>;
  readonly deployment: k8s.apps.v1.Deployment;
  readonly migration?: k8s.batch.v1.Job;
  readonly workers: k8s.apps.v1.Deployment[] = [];
  readonly scheduledJobs: k8s.batch.v1.CronJob[] = [];
  readonly configMap: k8s.core.v1.ConfigMap;
  /** Credential values by variable name (DATABASE_URL...), as one Pulumi secret. */
  readonly credentials: pulumi.Output<Record<string, string>>;

  constructor(name: string, args: PhpServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:service:PhpService", name, {}, opts);
    const { spec } = args.service;
    const ns = args.namespace;

    // Identity first: the object store grants its roles to the identity's principal.
    const serviceAccountName = spec.name;
    const identity = args.backing.identity.bind({
      service: spec,
      namespace: ns,
      serviceAccountName,
      parent: this,
    });
    const request = { service: spec, namespace: ns, parent: this, identity };
    // Each backing kind the spec asks for, from the profile's provisioner for it.
    const answered = new Set(args.backing.provisioners.map((p) => p.kind));
    const unanswered = backingKinds.filter((k) => needs(k, spec) && !answered.has(k));
    if (unanswered.length > 0)
      throw new Error(
        `internal: the ${args.backing.profile} profile has no provisioner for ${unanswered.map((k) => k.name).join(", ")}`,
      );
    const bindings: BackingBinding[] = args.backing.provisioners
      .filter((p) => needs(p.kind, spec))
      .map((p) => p.provision(request));
    const own = args.appSettings?.(this);
    if (own) bindings.push(own.binding);

    const serviceAccount = new k8s.core.v1.ServiceAccount(
      `${spec.name}-sa`,
      {
        metadata: {
          name: serviceAccountName,
          namespace: ns,
          labels: serviceLabels(spec.name),
          annotations: identity.serviceAccountAnnotations,
        },
        automountServiceAccountToken: false,
      },
      { parent: this },
    );

    const settings = Object.assign({}, identity.settings, ...bindings.map((b) => b.settings));
    this.configMap = new k8s.core.v1.ConfigMap(
      `${spec.name}-env`,
      {
        // No fixed name: Pulumi names it and replaces it when its data changes, which rolls the pods.
        metadata: { namespace: ns, labels: serviceLabels(spec.name) },
        data: applicationEnv({
          spec,
          namespace: ns,
          logLevel: args.service.logLevel,
          backingSettings: { ...settings, ...(args.httpCache ? purgeEnv(args.httpCache) : {}) },
        }),
      },
      { parent: this },
    );

    const credentials: Record<string, pulumi.Output<string>> = Object.assign(
      {},
      ...bindings.map((b) => b.credentials),
    );
    this.credentials = pulumi.secret(pulumi.all(credentials));
    const stored = args.backing.secrets.store({
      service: spec,
      namespace: ns,
      credentials,
      ...(own ? { references: own.vaultReferences } : {}),
      identity,
      parent: this,
    });

    const pod = {
      service: spec.name,
      image: args.service.image,
      images: args.images,
      configMapName: this.configMap.metadata.name,
      credentialEnv: credentialEnv(
        [...Object.keys(credentials), ...Object.keys(own?.vaultReferences ?? {})],
        stored.secretName,
      ),
      rolloutAnnotations: { [CREDENTIALS_VERSION_ANNOTATION]: stored.version },
      serviceAccountName: serviceAccount.metadata.name,
      podLabels: identity.podLabels,
      additions: stored.pod,
      requestScale: args.requestScale,
    };
    const ready = [...identity.dependsOn, ...stored.dependsOn, ...bindings.flatMap((b) => b.dependsOn)];

    // Breaking schema changes: the old workloads are gone before the Job (breaking-release.ts).
    const release =
      spec.database?.schemaChanges === "breaking"
        ? breakingRelease(spec.name, args.service.image, this)
        : undefined;
    const stopBeforeMigration = release ? { stopBeforeMigration: release.workloads } : {};
    // A preset's migration needs a database; release commands the entry names run regardless.
    const processes = serviceProcesses(spec, needs(databaseKind, spec));
    if (processes.release.length > 0) {
      this.migration = migrationJob({
        service: spec.name,
        namespace: ns,
        image: args.service.image,
        commands: processes.release,
        settings: args.migrations,
        pod,
        dependsOn: release ? [...ready, release.gate] : ready,
        parent: this,
      });
    }
    const rolloutAfter = this.migration ? [this.migration, ...ready] : ready;

    const web = webWorkload({
      spec,
      namespace: ns,
      replicas: args.service.replicas,
      pod,
      dependsOn: rolloutAfter,
      ...stopBeforeMigration,
      parent: this,
    });
    this.deployment = web.deployment;

    for (const consumer of spec.messaging?.consumers ?? []) {
      this.workers.push(
        consumerWorkload({
          service: spec.name,
          namespace: ns,
          consumer,
          commands: processes.commands,
          replicas: args.service.consumerReplicas[consumer.name] ?? 1,
          pod,
          dependsOn: rolloutAfter,
          ...stopBeforeMigration,
          parent: this,
        }),
      );
    }
    for (const job of processes.scheduledJobs) {
      this.scheduledJobs.push(
        scheduledJob({
          service: spec.name,
          namespace: ns,
          job,
          commands: processes.commands,
          pod,
          dependsOn: rolloutAfter,
          ...stopBeforeMigration,
          parent: this,
        }),
      );
    }

    serviceNetworkPolicy({
      service: spec.name,
      namespace: ns,
      dependsOn: spec.dependsOn,
      dependents: args.dependents,
      // Cached routes reach the service through the cache tier, not from the gateway.
      publicRoutes: (spec.routes ?? []).some((r) => !(r.cache && args.httpCache)),
      ...(args.httpCache
        ? {
            httpCache: {
              pods: args.httpCache.pods,
              purgePort: args.httpCache.purgePort,
              fronts: (spec.routes ?? []).some((r) => r.cache),
            },
          }
        : {}),
      gateway: args.gateway,
      monitoringNamespace: args.monitoringNamespace,
      backing: [...identity.egress, ...bindings.flatMap((b) => b.egress)],
      parent: this,
    });

    this.url = pulumi.output(`http://${clusterHost(spec.name, ns)}:${HTTP_PORT}`);
    this.registerOutputs({ url: this.url });
  }
}
