import { randomBytes } from "node:crypto";
import { applyObjects, type Cluster, type KubeObject, kubectlJson, kubectlWait } from "../lib/cluster";
import { run, sleep } from "../lib/proc";
import type { Checks } from "../lib/report";
import { REAL_NODE_TAINT, type RealNode } from "./index";

// The contract app on real containers with real backing services: PostgreSQL and Redis from the
// Debian-built images (run with the settings the platform's components give the upstream ones:
// user ids, environment, arguments, probes), a database and role set up by psql, the release
// command as a Job, and the web process whose readiness depends on both. Checks: the web is not
// Ready before the migration and is after it; the migration's JSON log lines reach `kubectl logs`;
// a wrong Redis password keeps a pod out of rotation.

const NS = "e2e-contract";
const APP_UID = 10001;

export interface ContractImages {
  app: string;
  postgres: string;
  redis: string;
}

const [taintKey = "", taintValue = ""] = REAL_NODE_TAINT.split(":")[0]?.split("=") ?? [];

function podSpec(uid: number, containers: unknown[], volumes: string[], extra: Record<string, unknown> = {}) {
  return {
    nodeSelector: { "platform.internal/real-node": "true" },
    tolerations: [{ key: taintKey, value: taintValue, operator: "Equal", effect: "NoSchedule" }],
    automountServiceAccountToken: false,
    enableServiceLinks: false,
    securityContext: {
      runAsNonRoot: true,
      runAsUser: uid,
      runAsGroup: uid,
      fsGroup: uid,
      seccompProfile: { type: "RuntimeDefault" },
      sysctls: [{ name: "net.ipv4.ip_unprivileged_port_start", value: "0" }],
    },
    containers,
    volumes: volumes.map((name) => ({ name, emptyDir: {} })),
    ...extra,
  };
}

function container(name: string, image: string, rest: Record<string, unknown>) {
  return {
    name,
    image,
    imagePullPolicy: "IfNotPresent",
    securityContext: {
      allowPrivilegeEscalation: false,
      privileged: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ["ALL"] },
      seccompProfile: { type: "RuntimeDefault" },
    },
    ...rest,
  };
}

const secretEnv = (name: string, secret: string, key: string) => ({
  name,
  valueFrom: { secretKeyRef: { name: secret, key } },
});

const APP_ENV = {
  APP_ENV: "prod",
  APP_DEBUG: "0",
  SERVER_NAME: ":80",
  CADDY_GLOBAL_OPTIONS: "admin :2019\nmetrics",
  MONOLOG_LEVEL__DEFAULT: "info",
  APP__LOG__FORMAT: "json",
  APP__LOG__STREAM: "php://stderr",
  APP__REDIS__PREFIX: "app:",
};

function appContainer(name: string, image: string, credentials: string, command?: string[]) {
  return container(name, image, {
    ...(command ? { command } : {}),
    envFrom: [{ configMapRef: { name: "app" } }],
    env: ["DATABASE_URL", "IN_MEM_STORE__URI", "LOCK_DSN"].map((k) => secretEnv(k, credentials, k)),
    ...(command
      ? {}
      : {
          ports: [
            { name: "http", containerPort: 80 },
            { name: "metrics", containerPort: 2019 },
          ],
          startupProbe: {
            httpGet: { path: "/metrics", port: "metrics" },
            periodSeconds: 1,
            failureThreshold: 60,
          },
          readinessProbe: {
            httpGet: { path: "/health/ready", port: "http" },
            periodSeconds: 2,
            failureThreshold: 1,
          },
          livenessProbe: { httpGet: { path: "/metrics", port: "metrics" }, periodSeconds: 10 },
        }),
    volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
  });
}

const deployment = (name: string, spec: unknown) => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name, namespace: NS },
  spec: {
    replicas: 1,
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec },
  },
});

const service = (name: string, port: number) => ({
  apiVersion: "v1",
  kind: "Service",
  metadata: { name, namespace: NS },
  spec: { selector: { app: name }, ports: [{ port, targetPort: port }] },
});

const job = (name: string, spec: Record<string, unknown>) => ({
  apiVersion: "batch/v1",
  kind: "Job",
  metadata: { name, namespace: NS },
  spec: {
    backoffLimit: 3,
    template: { metadata: { labels: { job: name } }, spec: { ...spec, restartPolicy: "Never" } },
  },
});

async function ready(cluster: Cluster, name: string): Promise<boolean> {
  const pods = await kubectlJson<{ items: KubeObject[] }>(cluster, [
    "-n",
    NS,
    "get",
    "pods",
    "-l",
    `app=${name}`,
  ]);
  return pods.items.some((p) =>
    ((p.status as { conditions?: { type: string; status: string }[] })?.conditions ?? []).some(
      (c) => c.type === "Ready" && c.status === "True",
    ),
  );
}

export async function contractStep(
  cluster: Cluster,
  node: RealNode,
  images: ContractImages,
  checks: Checks,
  o: { dir: string; logFile: string; log: (m: string) => void },
): Promise<void> {
  const apply = (name: string, items: unknown[]) =>
    applyObjects(cluster, items, { dir: o.dir, name: `contract-${name}`, logFile: o.logFile });
  const wait = (what: string[], condition: string, seconds: number) =>
    kubectlWait(cluster, NS, what, { condition, seconds, logFile: o.logFile });
  const password = () => randomBytes(18).toString("base64url");
  const admin = password();
  const app = password();
  const cache = password();
  const host = (svc: string) => `${svc}.${NS}.svc.cluster.local`;
  const started = Date.now();

  await apply("namespace", [
    {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: NS, labels: { "pod-security.kubernetes.io/enforce": "restricted" } },
    },
  ]);
  try {
    await apply("backing", [
      {
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: "backing", namespace: NS },
        stringData: {
          "postgres-password": admin,
          "app-password": app,
          "users.acl": `user default off\nuser app on >${cache} ~app:* &* +@all\n`,
        },
      },
      {
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: "app-credentials", namespace: NS },
        stringData: {
          DATABASE_URL: `postgresql://app:${app}@${host("postgres")}:5432/app?serverVersion=15&charset=utf8&sslmode=disable`,
          IN_MEM_STORE__URI: `redis://app:${cache}@${host("redis")}:6379`,
          LOCK_DSN: `redis://app:${cache}@${host("redis")}:6379`,
        },
      },
      {
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: "wrong-credentials", namespace: NS },
        stringData: {
          DATABASE_URL: `postgresql://app:${app}@${host("postgres")}:5432/app?serverVersion=15&charset=utf8&sslmode=disable`,
          IN_MEM_STORE__URI: `redis://app:not-${cache}@${host("redis")}:6379`,
          LOCK_DSN: `redis://app:not-${cache}@${host("redis")}:6379`,
        },
      },
      { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "app", namespace: NS }, data: APP_ENV },
      // As components/in-cluster/postgres-server.ts runs the official image.
      deployment(
        "postgres",
        podSpec(
          70,
          [
            container("postgres", images.postgres, {
              args: ["-c", "max_connections=200", "-c", "shared_buffers=128MB"],
              env: [
                { name: "POSTGRES_USER", value: "postgres" },
                secretEnv("POSTGRES_PASSWORD", "backing", "postgres-password"),
                { name: "PGDATA", value: "/var/lib/postgresql/data/pgdata" },
              ],
              ports: [{ containerPort: 5432 }],
              readinessProbe: {
                exec: { command: ["pg_isready", "-U", "postgres", "-h", "127.0.0.1"] },
                periodSeconds: 2,
              },
              volumeMounts: [
                { name: "data", mountPath: "/var/lib/postgresql/data" },
                { name: "run", mountPath: "/var/run/postgresql" },
                { name: "tmp", mountPath: "/tmp" },
              ],
            }),
          ],
          ["data", "run", "tmp"],
        ),
      ),
      service("postgres", 5432),
      // As components/in-cluster/redis-server.ts runs the official image.
      deployment("redis", {
        ...podSpec(
          999,
          [
            container("redis", images.redis, {
              command: ["redis-server"],
              args: [
                "--aclfile",
                "/etc/redis/users.acl",
                "--protected-mode",
                "no",
                "--appendonly",
                "no",
                "--save",
                "",
              ],
              ports: [{ containerPort: 6379 }],
              readinessProbe: {
                exec: { command: ["sh", "-c", "redis-cli -h 127.0.0.1 ping 2>&1 | grep -qE 'PONG|NOAUTH'"] },
                periodSeconds: 2,
              },
              volumeMounts: [
                { name: "data", mountPath: "/data" },
                { name: "tmp", mountPath: "/tmp" },
                { name: "acl", mountPath: "/etc/redis", readOnly: true },
              ],
            }),
          ],
          ["data", "tmp"],
        ),
        volumes: [
          { name: "data", emptyDir: {} },
          { name: "tmp", emptyDir: {} },
          {
            name: "acl",
            secret: { secretName: "backing", items: [{ key: "users.acl", path: "users.acl" }] },
          },
        ],
      }),
      service("redis", 6379),
      // The web first: it must stay out of rotation until the release command has migrated.
      deployment("web", podSpec(APP_UID, [appContainer("web", images.app, "app-credentials")], ["tmp"])),
      deployment(
        "web-wrong-redis",
        podSpec(APP_UID, [appContainer("web", images.app, "wrong-credentials")], ["tmp"]),
      ),
    ]);
    const backing = await wait(["deployment/postgres", "deployment/redis"], "condition=Available", 240);
    checks.that(
      backing.code === 0,
      `contract: PostgreSQL (${images.postgres}) and Redis (${images.redis}), built here from Debian packages, run as uid 70 and 999 on a read-only root with the platform's settings and pass their probes`,
      `${backing.stderr} ${backing.stdout}`,
    );
    if (backing.code !== 0) return;
    await apply("setup", [
      job(
        "database-setup",
        podSpec(
          70,
          [
            container("setup", images.postgres, {
              command: [
                "sh",
                "-c",
                'for i in $(seq 1 60); do pg_isready -q && break; sleep 1; done; psql -X -v ON_ERROR_STOP=1 -c "CREATE ROLE app LOGIN PASSWORD \'$APP_PASSWORD\'" -c "CREATE DATABASE app OWNER app"',
              ],
              env: [
                { name: "PGHOST", value: host("postgres") },
                { name: "PGUSER", value: "postgres" },
                secretEnv("PGPASSWORD", "backing", "postgres-password"),
                secretEnv("APP_PASSWORD", "backing", "app-password"),
              ],
              volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
            }),
          ],
          ["tmp"],
        ),
      ),
    ]);
    const setup = await wait(["job/database-setup"], "condition=Complete", 180);
    checks.that(
      setup.code === 0,
      "contract: psql created the service's role and database over the network (password authentication)",
      setup.stderr,
    );
    if (setup.code !== 0) return;
    await sleep(4000);
    const before = await ready(cluster, "web");
    await apply("migration", [
      job(
        "app-migrate",
        podSpec(
          APP_UID,
          [
            appContainer("migrate", images.app, "app-credentials", [
              "php",
              "bin/console",
              "doctrine:migrations:migrate",
              "--no-interaction",
              "--all-or-nothing",
            ]),
          ],
          ["tmp"],
        ),
      ),
    ]);
    const migrated = await wait(["job/app-migrate"], "condition=Complete", 180);
    const logs = await run("kubectl", ["--context", cluster.context, "-n", NS, "logs", "job/app-migrate"], {
      env: cluster.env,
      logFile: o.logFile,
    });
    const lines = `${logs.stdout}`
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as { message?: string; level_name?: string });
    checks.that(
      migrated.code === 0 && lines.some((l) => /^Migrated DoctrineMigrations/.test(l.message ?? "")),
      `contract: the release command (php bin/console doctrine:migrations:migrate) ran as a Job and migrated with real SQL; its Monolog JSON lines reach kubectl logs (${lines.length} lines, e.g. "${lines[0]?.message ?? ""}")`,
      `${migrated.stderr} logs: ${logs.stdout.slice(0, 500)} ${logs.stderr.slice(0, 300)}`,
    );
    const after = await wait(["deployment/web"], "condition=Available", 60);
    checks.that(
      !before && after.code === 0,
      "contract: the web pod was not Ready before the migration (readiness checks the migrated schema) and became Ready after it",
      `ready before: ${before}; after: ${after.stderr}`,
    );
    const wrong = await ready(cluster, "web-wrong-redis");
    checks.that(
      !wrong,
      "contract: a pod given a wrong Redis password stays out of rotation (its readiness fails on AUTH)",
    );
    o.log(`contract: step done in ${Math.round((Date.now() - started) / 1000)} s on ${node.name}`);
  } finally {
    await run("kubectl", ["--context", cluster.context, "delete", "namespace", NS, "--wait=false"], {
      env: cluster.env,
      logFile: o.logFile,
    });
  }
}
