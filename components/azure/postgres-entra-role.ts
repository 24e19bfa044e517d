import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { NetworkPath, PodAdditions } from "../backing/types";
import { objectLabels, selectorLabels } from "../kube/labels";
import { fixedResources, type RequestScale } from "../kube/resources";
import {
  restrictedContainerSecurityContext,
  restrictedPodSecurityContext,
  writablePath,
} from "../kube/security";
import { entraTokenShell, POSTGRES_TOKEN_SCOPE } from "./entra-token";
import { USE_LABEL } from "./workload-identity";

// A service's passwordless login on a PostgreSQL flexible server with Entra authentication: a role
// named after the service, mapped to the object id of the service's managed identity, owning the
// service's database. Roles cannot be created through Azure's API, so a Job creates it from inside
// the network, logged in as the server's Entra administrator (the setup identity) with an access
// token: no password exists anywhere. It runs in the platform's admin namespace, never in the
// application namespace, and once per service because the identity is created with the service.

/** What the role Jobs of one server share: where it is, and how they log in as its administrator. */
export interface EntraAdminLogin {
  /** Short name for objects and summaries: "postgres", "postgres-pilot". */
  name: string;
  host: pulumi.Input<string>;
  port: number;
  /** The administrator's role name: the setup identity's name, as registered on the server. */
  adminRole: pulumi.Input<string>;
  /** ServiceAccount of the admin namespace federated with the setup identity. */
  serviceAccountName: pulumi.Input<string>;
  /** Namespace of the Jobs, the ServiceAccount, the script and the CA bundle: never an app namespace. */
  namespace: string;
  /** The CA bundle file (verify-full) and the volume that holds it, in `namespace`. */
  ca: { file: string; mount: PodAdditions };
  /** ConfigMap with `role.sql` (entraRoleSql), in `namespace`. */
  scriptConfigMap: pulumi.Input<string>;
  /** Server, administrator assignment, databases: what must exist before a role is created. */
  ready: pulumi.Resource[];
  /** The server and Entra ID, for the Jobs' NetworkPolicy. */
  egress: NetworkPath[];
  /** psql 15+ (for `\getenv`) with BusyBox wget: the official Alpine postgres image. */
  image: string;
  /** The stack's `platform:requestScale` for the Jobs' requests (limits unchanged); none: as sized. */
  requestScale?: RequestScale;
}

/**
 * The idempotent script: TENANT (the role and database name) and TENANT_OBJECT_ID (the managed
 * identity's object id) come from the environment. A replaced identity gets a new object id: the
 * security label is rewritten on every run, so the role (and what it owns) follows the identity.
 */
export function entraRoleSql(): string {
  return `${[
    "\\set ON_ERROR_STOP on",
    "SET client_min_messages = warning;",
    "\\getenv tenant TENANT",
    "\\getenv oid TENANT_OBJECT_ID",
    "SELECT format('CREATE ROLE %I LOGIN', :'tenant') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'tenant')\\gexec",
    // Entra authentication for the role: the pgaadauth label binds it to the identity's object id.
    "SELECT format('SECURITY LABEL FOR \"pgaadauth\" ON ROLE %I IS %L', :'tenant', format('aadauth,oid=%s,type=service', :'oid'))\\gexec",
    // Membership lets the administrator hand ownership over (PostgreSQL 16 requires it).
    'GRANT :"tenant" TO CURRENT_USER;',
    'ALTER DATABASE :"tenant" OWNER TO :"tenant";',
    'REVOKE ALL ON DATABASE :"tenant" FROM PUBLIC;',
    '\\connect :"tenant"',
    'ALTER SCHEMA public OWNER TO :"tenant";',
  ].join("\n")}\n`;
}

/** The ConfigMap with the script, one per server in the admin namespace. */
export function entraRoleScript(
  name: string,
  server: { name: string; namespace: string },
  opts: pulumi.CustomResourceOptions,
): k8s.core.v1.ConfigMap {
  return new k8s.core.v1.ConfigMap(
    `${name}-role-script`,
    {
      metadata: { namespace: server.namespace, labels: objectLabels(server.name, "database-setup") },
      data: { "role.sql": entraRoleSql() },
    },
    opts,
  );
}

/** The NetworkPolicy of a server's role Jobs: out to the server and to Entra ID, nothing in. */
export function entraRoleNetworkPolicy(
  name: string,
  login: Pick<EntraAdminLogin, "name" | "namespace" | "egress">,
  opts: pulumi.CustomResourceOptions,
): k8s.networking.v1.NetworkPolicy {
  return new k8s.networking.v1.NetworkPolicy(
    `${name}-role-network`,
    {
      metadata: {
        name: `${login.name}-roles`,
        namespace: login.namespace,
        labels: objectLabels(login.name, "database-setup"),
      },
      spec: {
        podSelector: { matchLabels: selectorLabels(login.name, "database-setup") },
        policyTypes: ["Ingress", "Egress"],
        ingress: [],
        egress: login.egress.map((p) => ({ to: p.peers, ports: p.ports })),
      },
    },
    opts,
  );
}

export interface EntraPostgresRoleArgs {
  login: EntraAdminLogin;
  /** The role and database name: the service's name. */
  tenant: string;
  /** Object (principal) id of the service's managed identity. */
  principalId: pulumi.Input<string>;
}

export class EntraPostgresRole extends pulumi.ComponentResource {
  readonly job: k8s.batch.v1.Job;

  constructor(name: string, args: EntraPostgresRoleArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:azure:EntraPostgresRole", name, {}, opts);
    const { login } = args;
    const tmp = writablePath("tmp", "/tmp");
    const labels = objectLabels(login.name, "database-setup");
    // Auto-named and replaced on any change of its spec (a new identity, a new script): a Job's
    // pod template is immutable, and the new one runs before the old one is deleted.
    this.job = new k8s.batch.v1.Job(
      `${name}-job`,
      {
        metadata: { namespace: login.namespace, labels },
        spec: {
          backoffLimit: 4,
          activeDeadlineSeconds: 600,
          ttlSecondsAfterFinished: 3600,
          template: {
            // The workload identity webhook injects the federated token and AZURE_* variables.
            metadata: { labels: { ...labels, [USE_LABEL]: "true" } },
            spec: {
              serviceAccountName: login.serviceAccountName,
              restartPolicy: "OnFailure",
              automountServiceAccountToken: false,
              enableServiceLinks: false,
              securityContext: restrictedPodSecurityContext({ runAsUser: 70, runAsGroup: 70, fsGroup: 70 }),
              containers: [
                {
                  name: "role",
                  image: login.image,
                  command: [
                    "sh",
                    "-c",
                    [
                      entraTokenShell("PGPASSWORD", POSTGRES_TOKEN_SCOPE),
                      "for i in $(seq 1 60); do pg_isready -q && break; sleep 2; done",
                      "exec psql -X -q -f /scripts/role.sql",
                    ].join("\n"),
                  ],
                  env: [
                    { name: "PGHOST", value: login.host },
                    { name: "PGPORT", value: String(login.port) },
                    { name: "PGUSER", value: login.adminRole },
                    { name: "PGDATABASE", value: "postgres" },
                    { name: "PGSSLMODE", value: "verify-full" },
                    { name: "PGSSLROOTCERT", value: login.ca.file },
                    { name: "PGCONNECT_TIMEOUT", value: "5" },
                    { name: "TENANT", value: args.tenant },
                    { name: "TENANT_OBJECT_ID", value: args.principalId },
                  ],
                  resources: fixedResources(50, 64, login.requestScale),
                  securityContext: restrictedContainerSecurityContext(),
                  volumeMounts: [
                    tmp.mount,
                    { name: "script", mountPath: "/scripts", readOnly: true },
                    ...login.ca.mount.volumeMounts,
                  ],
                },
              ],
              volumes: [
                tmp.volume,
                { name: "script", configMap: { name: login.scriptConfigMap } },
                ...login.ca.mount.volumes,
              ],
            },
          },
        },
      },
      { parent: this, dependsOn: login.ready, replaceOnChanges: ["spec"] },
    );
    this.registerOutputs({});
  }
}
