import { randomBytes } from "node:crypto";
import type { Checks } from "../../lib/report";
import { blobRequest, parseConnectionString } from "./blob";
import { type PodRuntime, probeUntil, runPodContainer, securityChecks, startPodContainer } from "./pod";
import type { RenderedStack } from "./rendered";
import type { ImageVerification, VerifiedImage } from "./verification";

// Azurite as the platform runs it: the rendered StatefulSet's container (its command, arguments and
// account keys), then the rendered setup Job's container (node and the mounted script) against it
// through the Service name. Checked: the readiness probe passes; the Job creates every container
// and a second run finds them (idempotent, as a retried Job); each service puts a blob into each of
// its containers and gets the same bytes back with the connection string it is given; a wrong key
// and another account are refused; the root filesystem is read-only.

async function verify(
  rt: PodRuntime,
  stack: RenderedStack,
  image: VerifiedImage,
  checks: Checks,
): Promise<void> {
  const pods = stack.podsRunning(image.name);
  const server = pods.find((p) => p.owner.kind === "StatefulSet");
  const setup = pods.find((p) => p.owner.kind === "Job");
  if (!server || !setup) throw new Error(`the stack runs ${image.name} in no StatefulSet or no Job`);
  const setupEnv = new Map((setup.container.env ?? []).map((e) => [e.name, stack.envValue(e)]));
  const endpoint = new URL(setupEnv.get("BLOB_ENDPOINT") ?? "");
  const owned = (setupEnv.get("CONTAINERS") ?? "")
    .split(",")
    .filter(Boolean)
    .map((item) => {
      const [account = "", container = ""] = item.split("/");
      return { account, container };
    });
  const accounts = stack
    .secretValues()
    .filter((v) => v.includes("AccountKey="))
    .map(parseConnectionString)
    .filter((a) => new URL(a.endpoint).host === endpoint.host);
  const serviceHosts = [endpoint.hostname];

  const c = await startPodContainer(rt, {
    pod: server,
    stack,
    image: image.config,
    serviceHosts,
    id: server.hostname,
    volumeDir: server.hostname,
  });
  try {
    const readiness = server.container.readinessProbe;
    if (!readiness) throw new Error("the platform's Azurite has a readiness probe");
    const ready = await probeUntil(c, server.container, readiness, 24);
    if (!checks.that(ready.ok, `azurite: readiness probe passes (${ready.seconds} s)`, ready.detail)) return;
    await securityChecks(c, server, checks, "azurite");

    for (const [run, want] of [
      [1, "created"],
      [2, "exists"],
    ] as const) {
      const job = await runPodContainer(
        rt,
        {
          pod: setup,
          stack,
          image: image.config,
          serviceHosts,
          id: `${setup.hostname}-${run}`,
          volumeDir: setup.hostname,
        },
        5 * 60_000,
      );
      const results = job.stdout
        .split("\n")
        .filter((l) => l.startsWith("{"))
        .map((l) => JSON.parse(l) as { container?: string; result?: string });
      const wrong = owned
        .map(({ account, container }) => `${account}/${container}`)
        .filter((item) => results.find((r) => r.container === item)?.result !== want);
      checks.that(
        job.code === 0 && wrong.length === 0,
        `azurite: the setup Job (run ${run}) reports all ${owned.length} containers ${want}`,
        `exit ${job.code ?? job.signal}, not ${want}: ${wrong.join(", ")}; ${`${job.stdout}${job.stderr}`.trim().slice(-500)}`,
      );
    }

    checks.that(
      accounts.length > 0,
      `azurite: the services are given connection strings (${accounts.length})`,
    );
    const written = new Map<string, { container: string; blob: string }>();
    for (const a of accounts) {
      for (const { container } of owned.filter((o) => o.account === a.account)) {
        const body = randomBytes(64);
        const blob = `e2e-check-${randomBytes(4).toString("hex")}`;
        const put = await blobRequest(a, { verb: "PUT", container, blob, body, address: "127.0.0.1" });
        const got = await blobRequest(a, { verb: "GET", container, blob, address: "127.0.0.1" });
        const ok = checks.that(
          put.status === 201 && got.status === 200 && got.body.equals(body),
          `azurite: ${a.account} puts a blob into ${container} and gets the same bytes back`,
          `PUT ${put.status}, GET ${got.status}: ${got.body.toString("utf8").slice(0, 200)}`,
        );
        if (ok) written.set(a.account, { container, blob });
      }
    }
    for (const a of accounts) {
      const own = written.get(a.account);
      if (!own) continue;
      const badKey = { ...a, key: randomBytes(32).toString("base64") };
      const denied = await blobRequest(badKey, { verb: "GET", ...own, address: "127.0.0.1" });
      checks.that(
        denied.status === 403,
        `azurite: ${a.account} with a wrong key is refused`,
        `HTTP ${denied.status}`,
      );
      const other = accounts.find((x) => x.account !== a.account && written.has(x.account));
      const theirs = other && written.get(other.account);
      if (other && theirs) {
        const cross = await blobRequest(
          { ...a, endpoint: other.endpoint },
          { verb: "GET", ...theirs, address: "127.0.0.1" },
        );
        checks.that(
          cross.status === 403,
          `azurite: ${a.account}'s key does not read ${other.account}'s blobs`,
          `HTTP ${cross.status}`,
        );
      }
    }
  } finally {
    await c.stop();
  }
}

export const azuriteVerification: ImageVerification = { recipe: "azurite", verify };
