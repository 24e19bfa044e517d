import { createHash } from "node:crypto";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { images } from "../backing/images";
import { objectLabels } from "../kube/labels";
import { podsOfServices } from "../kube/network";
import { fixedResources, type RequestScale } from "../kube/resources";
import { type Persistence, type Server, statefulServer } from "./stateful-server";

// Redis in the cluster: one server, one ACL user per tenant service, each confined to its own
// keyspace prefix (`<service>:`), so a shared server does not mean shared data. A Redis store
// plays one of two roles (docs/runtime-contract.md, "Redis layout"): `state` holds sessions,
// locks and rate-limiter counters and never evicts; `cache` holds cache pools and evicts the least
// recently used key, with or without a TTL. One eviction policy per server is why they are two.

const REDIS_UID = 999;

export type RedisRole = "state" | "cache";

/** Redis's `maxmemory-policy` per role: state is refused when full, cache makes room. */
export const EVICTION_POLICY: Readonly<Record<RedisRole, string>> = {
  state: "noeviction",
  cache: "allkeys-lru",
};

export interface RedisServerArgs {
  name: string;
  /** The image to run. @default `images.redis` (images.ts) */
  image?: string;
  role: RedisRole;
  namespace: string;
  tenants: readonly string[];
  persistence: Persistence;
  maxMemoryMiB: number;
  /**
   * Who scrapes the exporter sidecar.
   * @default - no exporter sidecar and no metrics user (monitoring off)
   */
  scrapedFrom?: k8s.types.input.networking.v1.NetworkPolicyPeer[];
  /**
   * The stack's `platform:requestScale`: a factor on the CPU and memory requests of its containers
   * (server, exporter); limits unchanged.
   * @default 1 (requests as sized)
   */
  requestScale?: RequestScale;
}

/** The exporter's ACL user: INFO, CONFIG GET and the diagnostics it reads, never a key. */
export const METRICS_USER = "metrics";
const METRICS_COMMANDS =
  "-@all +ping +info +config|get +latency|latest +slowlog|get +slowlog|len +client|list +dbsize +select";

export interface RedisTenant {
  prefix: string;
  /** `redis://<service>:<password>@host:6379`, a Pulumi secret. */
  url: pulumi.Output<string>;
}

/** ACL file: passwords only as SHA-256 digests; the default user is off. */
export function redisAclFile(
  tenants: ReadonlyArray<{ name: string; password: string }>,
  metricsPassword?: string,
): string {
  const lines = ["user default off"];
  if (metricsPassword !== undefined) {
    const digest = createHash("sha256").update(metricsPassword).digest("hex");
    lines.push(`user ${METRICS_USER} on #${digest} resetkeys resetchannels ${METRICS_COMMANDS}`);
  }
  for (const t of tenants) {
    const digest = createHash("sha256").update(t.password).digest("hex");
    lines.push(
      `user ${t.name} on #${digest} resetkeys ~${t.name}:* resetchannels &${t.name}:* +@all -@admin -flushall -flushdb`,
    );
  }
  return `${lines.join("\n")}\n`;
}

export class InClusterRedis extends pulumi.ComponentResource {
  readonly tenants: ReadonlyMap<string, RedisTenant>;
  readonly server: Server;

  constructor(name: string, args: RedisServerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:in-cluster:Redis", name, {}, opts);
    const passwords = args.tenants.map((t) => ({
      name: t,
      password: new random.RandomPassword(
        `${name}-${t}-password`,
        { length: 32, special: false },
        { parent: this },
      ).result,
    }));
    const metricsPassword = args.scrapedFrom
      ? new random.RandomPassword(
          `${name}-metrics-password`,
          { length: 32, special: false },
          { parent: this },
        ).result
      : undefined;
    const acl = pulumi.secret(
      pulumi
        .all([pulumi.output(metricsPassword), ...passwords.map((p) => p.password)])
        .apply(([metrics, ...values]) =>
          redisAclFile(
            passwords.map((p, i) => ({ name: p.name, password: values[i] as string })),
            metrics,
          ),
        ),
    );
    const metricsSecret = metricsPassword
      ? new k8s.core.v1.Secret(
          `${name}-metrics`,
          {
            metadata: { namespace: args.namespace, labels: objectLabels(args.name, "cache") },
            type: "Opaque",
            stringData: { password: metricsPassword },
          },
          { parent: this },
        )
      : undefined;
    const aclSecret = new k8s.core.v1.Secret(
      `${name}-acl`,
      {
        metadata: { namespace: args.namespace, labels: objectLabels(args.name, "cache") },
        type: "Opaque",
        stringData: { "users.acl": acl },
      },
      { parent: this },
    );
    // A cache is rebuilt from its sources: it never needs an append-only file.
    const persistent = args.persistence.mode === "persistent" && args.role === "state";
    this.server = statefulServer(
      {
        name: args.name,
        containerName: "redis",
        namespace: args.namespace,
        component: "cache",
        image: args.image ?? images.redis,
        command: ["redis-server"],
        args: [
          "--aclfile",
          "/etc/redis/users.acl",
          "--protected-mode",
          "no",
          "--appendonly",
          persistent ? "yes" : "no",
          "--save",
          "",
          "--maxmemory",
          `${args.maxMemoryMiB}mb`,
          "--maxmemory-policy",
          EVICTION_POLICY[args.role],
        ],
        ports: [{ name: "redis", port: 6379 }],
        probes: {
          // An unauthenticated PING answers NOAUTH once the server serves, LOADING before.
          readinessProbe: {
            exec: { command: ["sh", "-c", "redis-cli -h 127.0.0.1 ping 2>&1 | grep -qE 'PONG|NOAUTH'"] },
            periodSeconds: 5,
            timeoutSeconds: 3,
          },
        },
        uid: REDIS_UID,
        dataPath: "/data",
        persistence: args.persistence,
        volumes: [
          {
            volume: { name: "acl", secret: { secretName: aclSecret.metadata.name } },
            mount: { name: "acl", mountPath: "/etc/redis", readOnly: true },
          },
        ],
        resources: fixedResources(50, args.maxMemoryMiB + 64, args.requestScale),
        clients: [podsOfServices(args.tenants)],
        ...(args.scrapedFrom && metricsSecret
          ? {
              metrics: {
                port: 9121,
                scrapedFrom: args.scrapedFrom,
                exporter: {
                  image: images.redisExporter,
                  env: [
                    { name: "REDIS_ADDR", value: "redis://127.0.0.1:6379" },
                    { name: "REDIS_USER", value: METRICS_USER },
                    {
                      name: "REDIS_PASSWORD",
                      valueFrom: { secretKeyRef: { name: metricsSecret.metadata.name, key: "password" } },
                    },
                  ],
                  resources: fixedResources(20, 64, args.requestScale),
                },
              },
            }
          : {}),
        parent: this,
      },
      args.namespace,
    );
    const host = this.server.host;
    this.tenants = new Map(
      passwords.map((p) => [
        p.name,
        {
          prefix: `${p.name}:`,
          url: pulumi.secret(pulumi.interpolate`redis://${p.name}:${p.password}@${host}:6379`),
        },
      ]),
    );
    this.registerOutputs({ host });
  }
}
