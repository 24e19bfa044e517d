import { randomBytes } from "node:crypto";
import { rabbitPasswordHash } from "../../../../components/backing/rabbitmq-definitions";
import type { Checks } from "../../lib/report";
import { AmqpConnection, AmqpRefused, type AmqpTarget, parseAmqpDsn } from "./amqp";
import {
  type PodRuntime,
  probeUntil,
  type RunningContainer,
  securityChecks,
  startPodContainer,
  tcpOpen,
} from "./pod";
import type { RenderedPod, RenderedStack } from "./rendered";
import type { ImageVerification, VerifiedImage } from "./verification";

// RabbitMQ as the platform runs it: the rendered StatefulSet's container with its mounted
// configuration (rabbitmq.conf, enabled_plugins, definitions.json), started twice on the same data
// volume (a pod restart). Checked: its startup, readiness and liveness probes pass; every port it
// declares listens; the administrator of the rendered Secret logs in to the management API and
// finds every vhost, user, permission, exchange, queue (with its type) and binding of the rendered
// definitions; each service logs in over AMQP with the DSN it is given, finds its queues, and a
// message published through each of its bindings arrives in the bound queue; a wrong password and
// another service's vhost are refused; the root filesystem is read-only.

interface Definitions {
  users: Array<{ name: string; password_hash: string; tags: string[] }>;
  vhosts: Array<{ name: string }>;
  permissions: Array<{ user: string; vhost: string; configure: string; write: string; read: string }>;
  exchanges: Array<{ name: string; vhost: string; type: string; durable: boolean }>;
  queues: Array<{ name: string; vhost: string; durable: boolean; arguments: Record<string, unknown> }>;
  bindings: Array<{ source: string; vhost: string; destination: string; routing_key: string }>;
}

/** The definitions file among the pod's mounted Secrets. */
function renderedDefinitions(stack: RenderedStack, pod: RenderedPod): Definitions {
  for (const v of pod.spec.volumes ?? []) {
    if (!v.secret) continue;
    const file = stack.dataOf("Secret", v.secret.secretName)["definitions.json"];
    if (file) return JSON.parse(file) as Definitions;
  }
  throw new Error(`${pod.owner.metadata.name}: no mounted Secret holds definitions.json`);
}

/** A routing key that a binding's key (a topic pattern or a plain key) matches. */
export function keyMatching(pattern: string): string {
  return pattern
    .split(".")
    .map((w) => (w === "*" || w === "#" ? "e2e" : w))
    .join(".");
}

/** The password of `user` among `candidates`: the one its salted hash in the definitions matches. */
function passwordOf(user: Definitions["users"][number], candidates: readonly string[]): string | undefined {
  const salt = Buffer.from(user.password_hash, "base64").subarray(0, 4);
  return candidates.find((p) => rabbitPasswordHash(p, salt) === user.password_hash);
}

async function management(port: number, user: string, password: string, path: string) {
  const r = await fetch(`http://127.0.0.1:${port}${path}`, {
    headers: { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}` },
    signal: AbortSignal.timeout(15_000),
  });
  return { status: r.status, body: r.status === 200 ? ((await r.json()) as unknown) : await r.text() };
}

async function refused(t: AmqpTarget): Promise<string | undefined> {
  try {
    const c = await AmqpConnection.open(t);
    await c.close();
    return undefined;
  } catch (error) {
    return error instanceof AmqpRefused ? `refused (${error.message})` : (error as Error).message;
  }
}

async function started(
  c: RunningContainer,
  pod: RenderedPod,
  checks: Checks,
  label: string,
): Promise<boolean> {
  const container = pod.container;
  const startup = container.startupProbe;
  if (!startup) throw new Error(`${pod.owner.metadata.name}: the platform's RabbitMQ has a startup probe`);
  const s = await probeUntil(c, container, startup);
  if (!checks.that(s.ok, `rabbitmq ${label}: startup probe passes (${s.seconds} s)`, s.detail)) return false;
  for (const [name, probe] of [
    ["readiness", container.readinessProbe],
    ["liveness", container.livenessProbe],
  ] as const) {
    if (!probe) continue;
    const r = await probeUntil(c, container, probe, 6);
    checks.that(r.ok, `rabbitmq ${label}: ${name} probe passes`, r.detail);
  }
  return true;
}

async function verify(
  rt: PodRuntime,
  stack: RenderedStack,
  image: VerifiedImage,
  checks: Checks,
): Promise<void> {
  const [pod, ...others] = stack.podsRunning(image.name);
  if (!pod || others.length > 0) {
    throw new Error(
      `the stack runs ${image.name} in ${others.length + (pod ? 1 : 0)} pods, not one StatefulSet`,
    );
  }
  const definitions = renderedDefinitions(stack, pod);
  const ports = (pod.container.ports ?? []).map((p) => p.containerPort);
  const amqpPort = pod.container.ports?.find((p) => p.name === "amqp")?.containerPort ?? 5672;
  const managementPort = pod.container.ports?.find((p) => p.name === "management")?.containerPort;
  const secrets = stack.secretValues();
  const dsns = secrets
    .filter((v) => v.startsWith("amqp://"))
    .map(parseAmqpDsn)
    .filter((d) => d.port === amqpPort);
  const options = {
    pod,
    stack,
    image: image.config,
    serviceHosts: [...new Set(dsns.map((d) => d.host))],
    volumeDir: pod.hostname,
  };

  let c = await startPodContainer(rt, { ...options, id: `${pod.hostname}-1` });
  try {
    if (!(await started(c, pod, checks, "first start"))) return;
    for (const port of ports) {
      checks.that(await tcpOpen(port, 5000), `rabbitmq: port ${port} listens`);
    }
    await securityChecks(c, pod, checks, "rabbitmq");

    const admin = definitions.users.find((u) => u.tags.includes("administrator"));
    const adminPassword = admin && passwordOf(admin, secrets);
    if (
      checks.that(
        admin !== undefined && adminPassword !== undefined && managementPort !== undefined,
        "rabbitmq: the rendered Secrets hold the administrator's password",
      ) &&
      admin &&
      adminPassword &&
      managementPort
    ) {
      const r = await management(managementPort, admin.name, adminPassword, "/api/definitions");
      if (
        checks.that(
          r.status === 200,
          `rabbitmq: ${admin.name} logs in to the management API`,
          `HTTP ${r.status}`,
        )
      ) {
        compareDefinitions(definitions, r.body as Definitions, checks);
      }
    }

    checks.that(dsns.length > 0, `rabbitmq: the services are given AMQP DSNs (${dsns.length})`);
    for (const d of dsns) await tenant(d, definitions, dsns, checks);
    await c.stop();

    // A pod restart: the same data volume (Erlang cookie, database), the same definitions file.
    c = await startPodContainer(rt, { ...options, id: `${pod.hostname}-2` });
    if (await started(c, pod, checks, "restart on its data")) {
      const first = dsns[0];
      if (first) {
        const again = await refused({ ...first, address: "127.0.0.1" });
        checks.that(again === undefined, `rabbitmq restart: ${first.user} logs in again`, again);
      }
    }
  } finally {
    await c.stop();
  }
}

function compareDefinitions(want: Definitions, got: Definitions, checks: Checks): void {
  const missing = (kind: string, wanted: string[], have: string[]) => {
    const set = new Set(have);
    const absent = wanted.filter((w) => !set.has(w));
    checks.that(
      absent.length === 0,
      `rabbitmq: all ${wanted.length} ${kind} of the rendered definitions exist`,
      `missing ${absent.join(", ")}`,
    );
  };
  missing(
    "vhosts",
    want.vhosts.map((v) => v.name),
    got.vhosts.map((v) => v.name),
  );
  missing(
    "users (with their tags)",
    want.users.map((u) => `${u.name}[${[...u.tags].sort()}]`),
    got.users.map(
      (u) =>
        `${u.name}[${[...(Array.isArray(u.tags) ? u.tags : String(u.tags).split(","))].filter(Boolean).sort()}]`,
    ),
  );
  missing(
    "permissions",
    want.permissions.map((p) => `${p.user}@${p.vhost}:${p.configure}/${p.write}/${p.read}`),
    got.permissions.map((p) => `${p.user}@${p.vhost}:${p.configure}/${p.write}/${p.read}`),
  );
  missing(
    "exchanges",
    want.exchanges.map((e) => `${e.vhost}/${e.name}:${e.type}:${e.durable}`),
    got.exchanges.map((e) => `${e.vhost}/${e.name}:${e.type}:${e.durable}`),
  );
  const queue = (q: Definitions["queues"][number]) =>
    `${q.vhost}/${q.name}:${q.durable}:${String(q.arguments["x-queue-type"] ?? "classic")}:${String(q.arguments["x-dead-letter-exchange"] ?? "")}`;
  missing("queues (type, dead-letter exchange)", want.queues.map(queue), got.queues.map(queue));
  const binding = (b: Definitions["bindings"][number]) =>
    `${b.vhost}/${b.source}->${b.destination}:${b.routing_key}`;
  missing("bindings", want.bindings.map(binding), got.bindings.map(binding));
}

async function tenant(
  d: Omit<AmqpTarget, "address">,
  definitions: Definitions,
  all: ReadonlyArray<Omit<AmqpTarget, "address">>,
  checks: Checks,
): Promise<void> {
  const t = { ...d, address: "127.0.0.1" };
  let c: AmqpConnection;
  try {
    c = await AmqpConnection.open(t);
  } catch (error) {
    checks.fail(`rabbitmq: ${d.user} logs in to vhost ${d.vhost} with its DSN: ${(error as Error).message}`);
    return;
  }
  checks.that(true, `rabbitmq: ${d.user} logs in to vhost ${d.vhost} with its DSN`);
  try {
    const queues = definitions.queues.filter((q) => q.vhost === d.vhost);
    const absent: string[] = [];
    for (const q of queues) if (!(await c.queueExists(q.name))) absent.push(q.name);
    checks.that(
      absent.length === 0,
      `rabbitmq: ${d.user} finds its ${queues.length} queues`,
      `missing ${absent.join(", ")}`,
    );
    for (const b of definitions.bindings.filter((x) => x.vhost === d.vhost)) {
      const body = randomBytes(16);
      const key = keyMatching(b.routing_key);
      await c.publish(b.source, key, body);
      let got: Buffer | undefined;
      for (let i = 0; i < 20 && !got?.equals(body); i++) got = await c.get(b.destination);
      checks.that(
        got?.equals(body) === true,
        `rabbitmq: ${d.user}: a message to ${b.source} with key ${key} arrives in ${b.destination}`,
      );
    }
  } finally {
    await c.close();
  }
  const wrong = await refused({ ...t, password: `${d.password}x` });
  checks.that(
    wrong?.startsWith("refused") ?? false,
    `rabbitmq: ${d.user} with a wrong password is refused`,
    wrong,
  );
  const other = all.find((x) => x.vhost !== d.vhost);
  if (other) {
    const cross = await refused({ ...t, vhost: other.vhost });
    checks.that(
      cross?.startsWith("refused") ?? false,
      `rabbitmq: ${d.user} is refused vhost ${other.vhost}`,
      cross ?? "it logged in",
    );
  }
}

export const rabbitmqVerification: ImageVerification = { recipe: "rabbitmq", verify };
