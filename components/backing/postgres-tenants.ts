import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { shortHash } from "../kube/hash";
import { objectLabels, selectorLabels } from "../kube/labels";
import { fixedResources, type RequestScale } from "../kube/resources";
import {
  restrictedContainerSecurityContext,
  restrictedPodSecurityContext,
  writablePath,
} from "../kube/security";
import type { NetworkPath, PodAdditions } from "./types";

// A database and a login role per service on a PostgreSQL server, whichever server it is (a pod
// in the cluster or an Azure Flexible Server). Roles cannot be created through Azure's API, so
// both profiles use this one idempotent Job, run from inside the network the server lives in.

/** Where the tenants' server is and how the setup Job logs in as its administrator. */
export interface PostgresServerEndpoint {
  /** Short name for resource names and summaries: "postgres", "postgres-pilot". */
  name: string;
  host: pulumi.Input<string>;
  port: number;
  version: string;
  sslMode: "disable" | "require" | "verify-full";
  /** verify-full: the CA bundle file clients verify the server against, and the volume that holds it. */
  ca?: { file: string; mount: PodAdditions };
  adminUser: pulumi.Input<string>;
  /** Secret in the setup Job's namespace with the administrator password under key `password`. */
  adminSecretName: pulumi.Input<string>;
  /** The server must accept connections first (StatefulSet ready, firewall, private DNS). */
  ready: pulumi.Resource[];
  /** How the setup Job and the tenants reach the server. */
  egress: NetworkPath;
}

export interface PostgresTenantsArgs {
  server: PostgresServerEndpoint;
  namespace: string;
  tenants: readonly string[];
  /** Image with psql 15+ (for `\getenv`): the official postgres image. */
  image: string;
  /**
   * The stack's `platform:requestScale`: a factor on the CPU and memory requests of its containers;
   * limits unchanged.
   * @default 1 (requests as sized)
   */
  requestScale?: RequestScale;
}

export interface PostgresTenant {
  database: string;
  user: string;
  password: pulumi.Output<string>;
  /** `postgresql://user:password@host:port/db?...`, a Pulumi secret. */
  url: pulumi.Output<string>;
}

/**
 * Doctrine's DSN for `user` on the server's database of the same name: with the password when
 * given, without it for a login whose password is an access token the app fetches itself.
 */
export function postgresUrl(
  server: Pick<PostgresServerEndpoint, "host" | "port" | "version" | "sslMode" | "ca">,
  user: string,
  password?: pulumi.Input<string>,
): pulumi.Output<string> {
  const query = `serverVersion=${server.version}&charset=utf8&sslmode=${server.sslMode}${server.ca ? `&sslrootcert=${server.ca.file}` : ""}`;
  return password === undefined
    ? pulumi.interpolate`postgresql://${user}@${server.host}:${server.port}/${user}?${query}`
    : pulumi.interpolate`postgresql://${user}:${password}@${server.host}:${server.port}/${user}?${query}`;
}

const tenantEnvName = (tenant: string) => `TENANT_PASSWORD_${tenant.toUpperCase().replaceAll("-", "_")}`;

/** The setup script: no credential in it, passwords come from the environment through \getenv. */
export function tenantSetupSql(tenants: readonly string[]): string {
  // Re-running is the normal case: keep "already a member" notices out of the Job's log.
  const lines = ["\\set ON_ERROR_STOP on", "SET client_min_messages = warning;"];
  for (const t of tenants) {
    lines.push(
      `\\set tenant '${t}'`,
      `\\getenv password ${tenantEnvName(t)}`,
      "SELECT format('CREATE ROLE %I LOGIN', :'tenant') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'tenant')\\gexec",
      "ALTER ROLE :\"tenant\" WITH LOGIN PASSWORD :'password';",
      // Membership lets the administrator hand ownership over (PostgreSQL 16 requires it).
      'GRANT :"tenant" TO CURRENT_USER;',
      "SELECT format('CREATE DATABASE %I OWNER %I', :'tenant', :'tenant') WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'tenant')\\gexec",
      'ALTER DATABASE :"tenant" OWNER TO :"tenant";',
      'REVOKE ALL ON DATABASE :"tenant" FROM PUBLIC;',
      '\\connect :"tenant"',
      'ALTER SCHEMA public OWNER TO :"tenant";',
      "\\connect postgres",
      "SET client_min_messages = warning;",
    );
  }
  return `${lines.join("\n")}\n`;
}

export class PostgresTenants extends pulumi.ComponentResource {
  readonly tenants: ReadonlyMap<string, PostgresTenant>;
  readonly setupJob: k8s.batch.v1.Job;

  constructor(name: string, args: PostgresTenantsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:backing:PostgresTenants", name, {}, opts);
    const { server } = args;
    const tenants = new Map<string, PostgresTenant>();
    for (const t of args.tenants) {
      const password = new random.RandomPassword(
        `${name}-${t}-password`,
        { length: 32, special: false },
        { parent: this },
      ).result;
      const url = pulumi.secret(postgresUrl(server, t, password));
      tenants.set(t, { database: t, user: t, password, url });
    }
    this.tenants = tenants;

    const passwords = new k8s.core.v1.Secret(
      `${name}-passwords`,
      {
        metadata: { namespace: args.namespace, labels: objectLabels(server.name, "database-setup") },
        type: "Opaque",
        stringData: Object.fromEntries([...tenants].map(([t, v]) => [tenantEnvName(t), v.password])),
      },
      { parent: this },
    );
    const sql = tenantSetupSql(args.tenants);
    const script = new k8s.core.v1.ConfigMap(
      `${name}-script`,
      {
        metadata: { namespace: args.namespace, labels: objectLabels(server.name, "database-setup") },
        data: { "tenants.sql": sql },
      },
      { parent: this },
    );

    const tmp = writablePath("tmp", "/tmp");
    const env: k8s.types.input.core.v1.EnvVar[] = [
      { name: "PGHOST", value: server.host },
      { name: "PGPORT", value: String(server.port) },
      { name: "PGUSER", value: server.adminUser },
      { name: "PGDATABASE", value: "postgres" },
      { name: "PGSSLMODE", value: server.sslMode },
      ...(server.ca ? [{ name: "PGSSLROOTCERT", value: server.ca.file }] : []),
      { name: "PGCONNECT_TIMEOUT", value: "5" },
      { name: "PGPASSWORD", valueFrom: { secretKeyRef: { name: server.adminSecretName, key: "password" } } },
      ...args.tenants.map((t) => ({
        name: tenantEnvName(t),
        valueFrom: { secretKeyRef: { name: passwords.metadata.name, key: tenantEnvName(t) } },
      })),
    ];
    // The name changes with the tenant list and the script, so adding a service re-runs it.
    this.setupJob = new k8s.batch.v1.Job(
      `${name}-setup`,
      {
        metadata: {
          name: `${server.name}-setup-${shortHash(sql)}`,
          namespace: args.namespace,
          labels: objectLabels(server.name, "database-setup"),
        },
        spec: {
          backoffLimit: 4,
          activeDeadlineSeconds: 600,
          ttlSecondsAfterFinished: 3600,
          template: {
            metadata: { labels: objectLabels(server.name, "database-setup") },
            spec: {
              restartPolicy: "OnFailure",
              automountServiceAccountToken: false,
              enableServiceLinks: false,
              securityContext: restrictedPodSecurityContext({ runAsUser: 70, runAsGroup: 70, fsGroup: 70 }),
              containers: [
                {
                  name: "setup",
                  image: args.image,
                  command: [
                    "sh",
                    "-c",
                    // Wait for the server (bounded), then apply the idempotent script.
                    "for i in $(seq 1 60); do pg_isready -q && break; sleep 2; done; exec psql -X -q -f /scripts/tenants.sql",
                  ],
                  env,
                  resources: fixedResources(50, 64, args.requestScale),
                  securityContext: restrictedContainerSecurityContext(),
                  volumeMounts: [
                    tmp.mount,
                    { name: "script", mountPath: "/scripts", readOnly: true },
                    ...(server.ca?.mount.volumeMounts ?? []),
                  ],
                },
              ],
              volumes: [
                tmp.volume,
                { name: "script", configMap: { name: script.metadata.name } },
                ...(server.ca?.mount.volumes ?? []),
              ],
            },
          },
        },
      },
      { parent: this, dependsOn: server.ready, replaceOnChanges: ["spec"] },
    );

    new k8s.networking.v1.NetworkPolicy(
      `${name}-setup-network`,
      {
        metadata: {
          name: `${server.name}-setup`,
          namespace: args.namespace,
          labels: objectLabels(server.name, "database-setup"),
        },
        spec: {
          podSelector: { matchLabels: selectorLabels(server.name, "database-setup") },
          policyTypes: ["Ingress", "Egress"],
          ingress: [],
          egress: [{ to: server.egress.peers, ports: server.egress.ports }],
        },
      },
      { parent: this },
    );
    this.registerOutputs({});
  }
}
