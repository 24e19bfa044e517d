import { createHash } from "node:crypto";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { objectLabels } from "../kube/labels";
import { podsOfServices } from "../kube/network";
import { fixedResources } from "../kube/resources";
import { images } from "./images";
import { type Persistence, type Server, statefulServer } from "./stateful-server";

// Redis in the cluster: one server, one ACL user per tenant service, each confined to its own
// keyspace prefix (`<service>:`), so a shared server does not mean shared data.

const REDIS_UID = 999;

export interface RedisServerArgs {
  name: string;
  /** The image to run (default: the pinned upstream image of images.ts). */
  image?: string;
  namespace: string;
  tenants: readonly string[];
  persistence: Persistence;
  maxMemoryMiB: number;
}

export interface RedisTenant {
  prefix: string;
  /** `redis://<service>:<password>@host:6379`, a Pulumi secret. */
  url: pulumi.Output<string>;
}

/** ACL file: passwords only as SHA-256 digests; the default user is off. */
export function redisAclFile(tenants: ReadonlyArray<{ name: string; password: string }>): string {
  const lines = ["user default off"];
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
    const acl = pulumi.secret(
      pulumi
        .all(passwords.map((p) => p.password))
        .apply((values) =>
          redisAclFile(passwords.map((p, i) => ({ name: p.name, password: values[i] as string }))),
        ),
    );
    const aclSecret = new k8s.core.v1.Secret(
      `${name}-acl`,
      {
        metadata: { namespace: args.namespace, labels: objectLabels(args.name, "cache") },
        type: "Opaque",
        stringData: { "users.acl": acl },
      },
      { parent: this },
    );
    const persistent = args.persistence.mode === "persistent";
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
          // Keys with a TTL (cache entries) go first; sessions and locks carry TTLs too.
          "--maxmemory-policy",
          "volatile-lru",
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
        resources: fixedResources(50, args.maxMemoryMiB + 64),
        clients: [podsOfServices(args.tenants)],
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
