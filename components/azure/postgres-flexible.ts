import * as dbforpostgresql from "@pulumi/azure-native/dbforpostgresql";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { images } from "../backing/images";
import { type PostgresServerEndpoint, PostgresTenants, postgresUrl } from "../backing/postgres-tenants";
import type { NetworkPath, PodAdditions } from "../backing/types";
import { objectLabels } from "../kube/labels";
import type { RequestScale } from "../kube/resources";
import { POSTGRES_TOKEN_SCOPE } from "./entra-token";
import type { AzureFoundation } from "./foundation";
import { entraIdPath, subnetPath } from "./network-paths";
import {
  type EntraAdminLogin,
  EntraPostgresRole,
  entraRoleNetworkPolicy,
  entraRoleScript,
} from "./postgres-entra-role";
import { statefulOptions } from "./stateful";
import { CLIENT_ID_ANNOTATION, federatedIdentity } from "./workload-identity";

// Azure Database for PostgreSQL flexible server with private access only: the server lives in
// the stack's delegated subnet and resolves through a private DNS zone (both fixed at creation),
// public network access is off, TLS is required and verified (sslmode=verify-full, Azure's roots).
// Each tenant service gets its own database (an ARM resource, so it shows in the portal and
// survives the setup Jobs) and its own login role, created from inside the network because roles
// cannot be created through Azure's API.
//
// Passwordless by default (`authentication: entra`): Entra authentication only, a setup identity
// as the server's Entra administrator, and each service's managed identity mapped to its role by
// a Job that logs in with an access token (postgres-entra-role.ts); the services log in the same
// way. `password` is the explicit fallback: an administrator password and a password per tenant,
// set by the shared PostgresTenants Job the in-cluster profile uses too. Either way the setup Jobs
// and whatever administrator credential exists live in the platform's admin namespace, never in
// the services' namespace.

export const POSTGRES_PORT = 5432;
const ADMIN_LOGIN = "platform_admin";

/** How the services and the setup Jobs log in: an Entra access token, or a password (fallback). */
export type PostgresAuthentication = "entra" | "password";

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
  authentication: PostgresAuthentication;
  /** The Azure root certificates, mounted in the admin namespace (components/azure/postgres-ca.ts). */
  ca: { file: string; mount: PodAdditions };
  /**
   * The platform's admin namespace: the setup Jobs, the setup identity's ServiceAccount and, with
   * password authentication, the administrator Secret. Never the services' namespace.
   */
  adminNamespace: string;
  /** The setup identity (the server's Entra administrator), with `entra` authentication. */
  adminIdentityName: string;
  /** The cluster's OIDC issuer, trusted by the setup identity. */
  issuer: pulumi.Input<string>;
  tenants: readonly string[];
  /**
   * The stack's `platform:requestScale`: a factor on the CPU and memory requests of the setup Jobs;
   * limits unchanged.
   * @default 1 (requests as sized)
   */
  requestScale?: RequestScale;
}

/** One tenant's login on the server. */
export interface PostgresLogin {
  /** Doctrine's DSN, a Pulumi secret; without a password with Entra authentication. */
  url: pulumi.Output<string>;
  /** Entra authentication: the audience of the access token the service sends as its password. */
  tokenScope?: string;
  /** The role exists and owns the database. */
  ready: pulumi.Resource[];
}

export class FlexiblePostgres extends pulumi.ComponentResource {
  readonly server: dbforpostgresql.Server;
  readonly host: pulumi.Output<string>;
  readonly name: string;
  readonly authentication: PostgresAuthentication;
  /** How the pods reach the server. */
  readonly egress: NetworkPath;
  private readonly passwordTenants?: PostgresTenants;
  private readonly entraLogin?: EntraAdminLogin;
  private readonly endpointFor: Pick<PostgresServerEndpoint, "host" | "port" | "version" | "sslMode" | "ca">;

  constructor(name: string, args: FlexiblePostgresArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:azure:FlexiblePostgres", name, {}, opts);
    const f = args.foundation;
    const parent = { parent: this };
    this.name = args.objectName;
    this.authentication = args.authentication;
    const entra = args.authentication === "entra";
    const admin = entra
      ? undefined
      : new random.RandomPassword(
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
        // Entra only: no administrator password exists at all.
        ...(admin
          ? {
              administratorLogin: ADMIN_LOGIN,
              administratorLoginPassword: admin.result,
              authConfig: { passwordAuth: "Enabled", activeDirectoryAuth: "Disabled" },
            }
          : {
              authConfig: {
                passwordAuth: "Disabled",
                activeDirectoryAuth: "Enabled",
                tenantId: f.client.tenantId,
              },
            }),
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
        ...(admin ? { additionalSecretOutputs: ["administratorLoginPassword"] } : {}),
        dependsOn: f.zoneReady.postgres,
        // A failover swaps the primary and standby zones; that is not drift to undo.
        ignoreChanges: ["availabilityZone", "highAvailability.standbyAvailabilityZone"],
      },
    );
    this.host = this.server.fullyQualifiedDomainName;
    this.egress = subnetPath("postgres", f.plan.postgresSubnet, POSTGRES_PORT);
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
    this.endpointFor = {
      host: this.host,
      port: POSTGRES_PORT,
      version: args.version,
      // Encrypted and verified: the server's certificate against Azure's roots, and its host name.
      sslMode: "verify-full",
      ca: args.ca,
    };
    const ready = [this.server, ...configured, ...databases];

    if (admin) {
      const adminSecret = new k8s.core.v1.Secret(
        `${name}-admin`,
        {
          metadata: {
            namespace: args.adminNamespace,
            labels: objectLabels(args.objectName, "database-setup"),
          },
          type: "Opaque",
          stringData: { password: admin.result },
        },
        parent,
      );
      this.passwordTenants = new PostgresTenants(
        `${name}-tenants`,
        {
          server: {
            ...this.endpointFor,
            name: args.objectName,
            adminUser: ADMIN_LOGIN,
            adminSecretName: adminSecret.metadata.name,
            ready,
            egress: this.egress,
          },
          namespace: args.adminNamespace,
          tenants: args.tenants,
          image: images.postgres,
          requestScale: args.requestScale,
        },
        parent,
      );
    } else {
      // The setup identity: trusted by one ServiceAccount of the admin namespace, and registered
      // as the server's Entra administrator under its own name (the role it logs in as).
      const serviceAccountName = `${args.objectName}-admin`;
      const setup = federatedIdentity(
        `${name}-admin`,
        {
          foundation: f,
          identityName: args.adminIdentityName,
          credentialName: `fic-${serviceAccountName}`,
          issuer: args.issuer,
          namespace: args.adminNamespace,
          serviceAccountName,
        },
        parent,
      );
      const serviceAccount = new k8s.core.v1.ServiceAccount(
        `${name}-admin-service-account`,
        {
          metadata: {
            name: serviceAccountName,
            namespace: args.adminNamespace,
            labels: objectLabels(args.objectName, "database-setup"),
            annotations: { [CLIENT_ID_ANNOTATION]: setup.identity.clientId },
          },
          automountServiceAccountToken: false,
        },
        parent,
      );
      const administrator = new dbforpostgresql.AdministratorsMicrosoftEntra(
        `${name}-entra-admin`,
        {
          resourceGroupName: f.resourceGroupName,
          serverName: this.server.name,
          objectId: setup.identity.principalId,
          principalName: setup.identity.name,
          principalType: "ServicePrincipal",
          tenantId: f.client.tenantId,
        },
        // After the server's parameters and databases: Azure takes one operation at a time on a server.
        { ...parent, dependsOn: ready },
      );
      const script = entraRoleScript(name, { name: args.objectName, namespace: args.adminNamespace }, parent);
      this.entraLogin = {
        name: args.objectName,
        host: this.host,
        port: POSTGRES_PORT,
        adminRole: setup.identity.name,
        serviceAccountName: serviceAccount.metadata.name,
        namespace: args.adminNamespace,
        ca: args.ca,
        scriptConfigMap: script.metadata.name,
        ready: [...ready, administrator, serviceAccount, setup.credential],
        egress: [this.egress, entraIdPath],
        image: images.postgres,
        requestScale: args.requestScale,
      };
      entraRoleNetworkPolicy(name, this.entraLogin, parent);
    }
    this.registerOutputs({ host: this.host });
  }

  /**
   * The tenant's login: its password and the shared setup Job, or (Entra) a role mapped to the
   * service's managed identity by a Job of its own, a child of `parent` (the service).
   */
  login(
    tenant: string,
    principalId: pulumi.Output<string> | undefined,
    parent: pulumi.Resource,
  ): PostgresLogin {
    if (this.passwordTenants) {
      const login = this.passwordTenants.tenants.get(tenant);
      if (!login) throw new Error(`internal: ${tenant} has no role on ${this.name}`);
      return { url: login.url, ready: [this.passwordTenants.setupJob] };
    }
    const entraLogin = this.entraLogin;
    if (!entraLogin) throw new Error("internal: a flexible server has password or Entra logins");
    if (!principalId) throw new Error(`internal: ${tenant} needs a database but has no workload identity`);
    const role = new EntraPostgresRole(
      `${tenant}-${this.name}-role`,
      { login: entraLogin, tenant, principalId },
      { parent },
    );
    return {
      url: pulumi.secret(postgresUrl(this.endpointFor, tenant)),
      tokenScope: POSTGRES_TOKEN_SCOPE,
      ready: [role.job],
    };
  }
}
