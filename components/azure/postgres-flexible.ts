import * as dbforpostgresql from "@pulumi/azure-native/dbforpostgresql";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { type PostgresServerEndpoint, PostgresTenants } from "../backing/postgres-tenants";
import type { PodAdditions } from "../backing/types";
import { images } from "../in-cluster/images";
import { objectLabels } from "../kube/labels";
import type { AzureFoundation } from "./foundation";
import { subnetPath } from "./network-paths";
import { statefulOptions } from "./stateful";

// Azure Database for PostgreSQL flexible server with private access only: the server lives in
// the stack's delegated subnet and resolves through a private DNS zone (both fixed at creation),
// public network access is off, TLS is required. Each tenant service gets its own database (an
// ARM resource, so it shows in the portal and survives the setup Job) and its own login role,
// created by the shared PostgresTenants Job the in-cluster profile uses too: roles cannot be
// created through Azure's API.

export const POSTGRES_PORT = 5432;
const ADMIN_LOGIN = "platform_admin";

/** Server parameters the platform sets; the stack may add or override any. */
export const defaultServerParameters: Readonly<Record<string, string>> = {
  require_secure_transport: "on",
  ssl_min_protocol_version: "TLSv1.2",
  // Slow queries in the server log (field notes 3: witnesses).
  log_min_duration_statement: "1000",
  log_lock_waits: "on",
  // A PHP request that died mid-transaction must not hold locks for ever.
  idle_in_transaction_session_timeout: "600000",
};

export interface FlexiblePostgresArgs {
  foundation: AzureFoundation;
  serverName: string;
  /** Short name for Kubernetes objects and summaries: "postgres", "postgres-pilot". */
  objectName: string;
  version: string;
  skuName: string;
  tier: "Burstable" | "GeneralPurpose" | "MemoryOptimized";
  storageSizeGb: number;
  highAvailability: boolean;
  geoRedundantBackup: boolean;
  backupRetentionDays: number;
  zones: readonly string[];
  parameters: Readonly<Record<string, string>>;
  protect: boolean;
  /** The Azure root certificates, mounted in the namespace (components/azure/postgres-ca.ts). */
  ca: { file: string; mount: PodAdditions };
  /** Namespace of the setup Job and the administrator Secret it reads. */
  namespace: string;
  tenants: readonly string[];
}

export class FlexiblePostgres extends pulumi.ComponentResource {
  readonly server: dbforpostgresql.Server;
  readonly host: pulumi.Output<string>;
  readonly endpoint: PostgresServerEndpoint;
  readonly tenants: PostgresTenants;

  constructor(name: string, args: FlexiblePostgresArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:azure:FlexiblePostgres", name, {}, opts);
    const f = args.foundation;
    const parent = { parent: this };
    const admin = new random.RandomPassword(
      `${name}-admin-password`,
      { length: 32, special: false },
      { parent: this, additionalSecretOutputs: ["result"] },
    );
    const [primaryZone, standbyZone] = args.zones;

    this.server = new dbforpostgresql.Server(
      `${name}-server`,
      {
        resourceGroupName: f.resourceGroupName,
        location: f.location,
        tags: f.tags,
        serverName: args.serverName,
        version: args.version,
        sku: { name: args.skuName, tier: args.tier },
        administratorLogin: ADMIN_LOGIN,
        administratorLoginPassword: admin.result,
        authConfig: { passwordAuth: "Enabled", activeDirectoryAuth: "Disabled" },
        storage: { storageSizeGB: args.storageSizeGb, autoGrow: "Enabled" },
        backup: {
          backupRetentionDays: args.backupRetentionDays,
          geoRedundantBackup: args.geoRedundantBackup ? "Enabled" : "Disabled",
        },
        highAvailability:
          args.highAvailability && standbyZone
            ? { mode: "ZoneRedundant", standbyAvailabilityZone: standbyZone }
            : { mode: "Disabled" },
        ...(primaryZone ? { availabilityZone: primaryZone } : {}),
        network: {
          delegatedSubnetResourceId: f.subnets.postgres.id,
          privateDnsZoneArmResourceId: f.zoneIds.postgres,
          publicNetworkAccess: "Disabled",
        },
      },
      {
        ...parent,
        ...statefulOptions(args.protect),
        additionalSecretOutputs: ["administratorLoginPassword"],
        dependsOn: f.zoneReady.postgres,
        // A failover swaps the primary and standby zones; that is not drift to undo.
        ignoreChanges: ["availabilityZone", "highAvailability.standbyAvailabilityZone"],
      },
    );
    this.host = this.server.fullyQualifiedDomainName;
    f.guard(name, this.server.id, "the services' databases", parent);
    f.diagnose(name, "postgres", this.server.id, parent);

    // Azure refuses concurrent parameter updates on one server: one after the other.
    const parameters = { ...defaultServerParameters, ...args.parameters };
    const configured: pulumi.Resource[] = [];
    for (const [parameter, value] of Object.entries(parameters).sort(([a], [b]) => a.localeCompare(b))) {
      const previous = configured[configured.length - 1];
      configured.push(
        new dbforpostgresql.Configuration(
          `${name}-${parameter.replaceAll("_", "-").replaceAll(".", "-")}`,
          {
            resourceGroupName: f.resourceGroupName,
            serverName: this.server.name,
            configurationName: parameter,
            value,
            source: "user-override",
          },
          { ...parent, dependsOn: previous ? [previous] : [] },
        ),
      );
    }
    const databases = args.tenants.map(
      (t) =>
        new dbforpostgresql.Database(
          `${name}-${t}-database`,
          {
            resourceGroupName: f.resourceGroupName,
            serverName: this.server.name,
            databaseName: t,
            charset: "UTF8",
            collation: "en_US.utf8",
          },
          { ...parent, ...statefulOptions(args.protect), dependsOn: configured },
        ),
    );

    const adminSecret = new k8s.core.v1.Secret(
      `${name}-admin`,
      {
        metadata: { namespace: args.namespace, labels: objectLabels(args.objectName, "database-setup") },
        type: "Opaque",
        stringData: { password: admin.result },
      },
      parent,
    );
    this.endpoint = {
      name: args.objectName,
      host: this.host,
      port: POSTGRES_PORT,
      version: args.version,
      // Encrypted and verified: the server's certificate against Azure's roots, and its host name.
      sslMode: "verify-full",
      ca: args.ca,
      adminUser: ADMIN_LOGIN,
      adminSecretName: adminSecret.metadata.name,
      ready: [this.server, ...configured, ...databases],
      egress: subnetPath("postgres", f.plan.postgresSubnet, POSTGRES_PORT),
    };
    this.tenants = new PostgresTenants(
      `${name}-tenants`,
      { server: this.endpoint, namespace: args.namespace, tenants: args.tenants, image: images.postgres },
      parent,
    );
    this.registerOutputs({ host: this.host });
  }
}
