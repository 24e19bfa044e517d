import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { type AddressInfo, createServer as createTcpServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { loggingImages } from "../../../components/logging/images";
import { alloyConfig } from "../../../components/logging/pipeline";
import { readStackFile } from "../../../tools/plan/stack-file";
import { type KubeObject, type Planned, plan } from "../../helpers/program";
import { alloyStages, alloyTargetLabels, runStages } from "../../logging/alloy-interpreter";
import { cri, sampleLines, samplePipeline } from "../../logging/monolog-samples";
import { mustRun } from "../lib/proc";
import { ROOT } from "../lib/toolchain";
import { goEnv } from "../node/images";
import {
  buildLogStandinImages,
  LOG_STANDINS,
  type LogStandinImages,
  logStandinBinaries,
  STANDINS_MODULE,
  type StandinBinaries,
} from "./images";

// The e2e's stand-ins for Loki and Alloy (test/e2e/README.md, "Stand-ins for Loki and Alloy"):
// their Go tests, then both binaries run as processes with what the platform renders for the
// upstream images (the local stack planned with `platform:images.overrides` pointing at them):
// the same arguments, ConfigMaps and probes, the generated config.alloy byte for byte, against a
// fake /var/log/pods tree and a fake Kubernetes API; the labels Loki answers with must be those
// the log pipeline's interpreter (test/logging/alloy-interpreter.ts) gives the same lines.

const goMissing = spawnSync("go", ["version"], { env: goEnv() }).status !== 0;
if (goMissing) console.warn("SKIPPED the log stand-ins' tests: no Go toolchain (/usr/local/go/bin or PATH)");

const BUILD_TIMEOUT = 15 * 60_000;
const work = mkdtempSync(join(tmpdir(), "log-standins-"));
const children: ChildProcess[] = [];
const servers: Server[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
  for (const s of servers) s.close();
  rmSync(work, { recursive: true, force: true });
});

describe.skipIf(goMissing)("the log stand-ins", () => {
  it(
    "pass their Go tests, with the configuration the platform generates",
    async () => {
      const configFile = join(work, "generated.alloy");
      writeFileSync(configFile, alloyConfig(samplePipeline));
      const result = await mustRun("go", ["test", "-count=1", "-v", "./..."], {
        cwd: STANDINS_MODULE,
        env: {
          ...goEnv(),
          STANDIN_ALLOY_CONFIG: configFile,
          STANDIN_EXPECTED_PUSH_URL: samplePipeline.pushUrl,
          STANDIN_EXPECTED_NAMESPACES: samplePipeline.namespaces.join(","),
        },
        timeoutMs: BUILD_TIMEOUT,
      });
      expect(result.stdout).toMatch(/^ok\s+\S+\/loki\b/m);
      expect(result.stdout).toContain("--- PASS: TestGeneratedConfig");
      expect(result.stdout).toMatch(/^ok\s+\S+\/log-shipper\b/m);
    },
    BUILD_TIMEOUT,
  );

  describe("as processes, with what the platform renders for Loki and Alloy", () => {
    let binaries: StandinBinaries;
    let images: LogStandinImages;
    let planned: Planned;

    beforeAll(async () => {
      binaries = await logStandinBinaries();
      images = await buildLogStandinImages({ tmp: work, logFile: join(work, "build.log") });
      // The local stack, as `npm run plan -- --stack local` reads it, with the stand-ins as overrides.
      const stack = readStackFile(ROOT, "local");
      const imagesConfig = JSON.parse(stack.config["platform:images"] ?? "{}");
      planned = await plan(
        {},
        {
          stack: "local",
          secretKeys: stack.secretKeys,
          raw: {
            ...stack.config,
            "platform:images": JSON.stringify({ ...imagesConfig, overrides: images.overrides }),
          },
        },
      );
    }, BUILD_TIMEOUT);

    it("are what `platform:images.overrides` of the pinned names puts in the manifests", () => {
      expect(Object.keys(images.overrides).every((name) => name in loggingImages)).toBe(true);
      expect(planned.container("StatefulSet", "loki").image).toBe(images.overrides.loki);
      expect(planned.container("DaemonSet", "log-shipper").image).toBe(images.overrides.alloy);
    });

    it("have the image contract the manifests expect: entrypoint, user, mount points", async () => {
      const workloads = { loki: ["StatefulSet", "loki"], alloy: ["DaemonSet", "log-shipper"] } as const;
      for (const [name, archive] of Object.keys(images.overrides).map(
        (n, i) => [n, images.archives[i]] as const,
      )) {
        const standin = LOG_STANDINS[name as keyof typeof LOG_STANDINS];
        const out = join(work, `image-${name}`);
        mkdirSync(out, { recursive: true });
        await mustRun("tar", ["-xf", archive as string, "-C", out]);
        const index = JSON.parse(readFileSync(join(out, "index.json"), "utf8"));
        expect(index.manifests[0].annotations["io.containerd.image.name"]).toBe(
          images.overrides[name as keyof typeof images.overrides],
        );
        const blob = (digest: string) => join(out, "blobs", "sha256", digest.slice(7));
        const manifest = JSON.parse(readFileSync(blob(index.manifests[0].digest), "utf8"));
        const config = JSON.parse(readFileSync(blob(manifest.config.digest), "utf8")).config;
        const listing = (await mustRun("tar", ["-tf", blob(manifest.layers[0].digest)])).stdout;
        expect(listing).toContain(`./${standin.binary}`);
        expect(config.Entrypoint).toEqual([`/${standin.binary}`]);
        const [kind, workload] = workloads[name as keyof typeof workloads];
        const pod = planned.one(kind, workload).spec.template.spec;
        expect(config.User).toBe(`${pod.securityContext.runAsUser}:${pod.securityContext.runAsGroup}`);
        for (const mount of planned.container(kind, workload).volumeMounts as Array<{ mountPath: string }>) {
          expect(listing).toContain(`.${mount.mountPath}/`);
        }
      }
    });

    it(
      "ship a pod's lines to Loki, queryable by service and level, labelled as the pipeline says",
      async () => {
        const lokiSet = planned.one("StatefulSet", "loki");
        const loki = planned.container("StatefulSet", "loki");
        const shipperSet = planned.one("DaemonSet", "log-shipper");
        const shipper = planned.container("DaemonSet", "log-shipper");
        const configMap = (set: KubeObject, mountPath: string) => {
          const volumeName = set.spec.template.spec.containers[0].volumeMounts.find(
            (m: { mountPath: string }) => m.mountPath === mountPath,
          ).name;
          const volume = set.spec.template.spec.volumes.find((v: { name: string }) => v.name === volumeName);
          return planned.one("ConfigMap", volume.configMap.name).data as Record<string, string>;
        };
        const local = (path: string) => join(work, "root", path);

        // Loki: its ConfigMap where it mounts it; only the port and the data path differ here
        // (a process on this machine, not a pod with its own network and volume).
        const lokiPort = await freePort();
        const lokiConfigDir = "/etc/loki";
        for (const [file, text] of Object.entries(configMap(lokiSet, lokiConfigDir))) {
          const doc = parse(text);
          doc.server.http_listen_port = lokiPort;
          doc.common.path_prefix = local(doc.common.path_prefix);
          mkdirSync(local(lokiConfigDir), { recursive: true });
          writeFileSync(join(local(lokiConfigDir), file), stringify(doc));
        }
        const lokiProcess = start(
          binaries.paths.loki,
          loki.args.map((a: string) => a.replace(lokiConfigDir, local(lokiConfigDir))),
        );
        const lokiUrl = `http://127.0.0.1:${lokiPort}`;
        await waitFor(
          "Loki's readiness",
          async () => (await get(lokiUrl + loki.readinessProbe.httpGet.path)).status === 200,
        );
        expect((await get(lokiUrl + loki.livenessProbe.httpGet.path)).status).toBe(200);

        // The shipper reaches Loki at the Service's name: a proxy stands in for cluster DNS.
        const proxyPort = await listen(
          createServer((req, res) => {
            const target = new URL(req.url ?? "/");
            const upstream = `${lokiUrl}${target.pathname}${target.search}`;
            const chunks: Buffer[] = [];
            req.on("data", (c) => chunks.push(c));
            req.on("end", async () => {
              const r = await fetch(upstream, {
                method: req.method ?? "GET",
                headers: { "content-type": req.headers["content-type"] ?? "" },
                body: req.method === "POST" ? Buffer.concat(chunks) : undefined,
              });
              res.writeHead(r.status).end(await r.text());
            });
          }),
        );

        // The pods of the platform's web Deployments on this node, with the labels they are planned with.
        const nodeName = "real-1";
        const namespaces = shipperRoleNamespaces(planned);
        const pods = planned
          .all("Deployment")
          .filter(
            (d) =>
              namespaces.includes(d.metadata.namespace ?? "") &&
              d.spec.template.metadata.labels["app.kubernetes.io/component"] === "web",
          )
          .slice(0, 2)
          .map((d, i) => ({
            namespace: d.metadata.namespace as string,
            name: `${d.metadata.name}-7d9c6f-x2k4${i}`,
            uid: `0000000${i}-1111-2222-3333-444444444444`,
            labels: d.spec.template.metadata.labels as Record<string, string>,
            container: d.spec.template.spec.containers[0].name as string,
          }));
        expect(pods.length).toBeGreaterThan(0);
        const token = "e2e-shipper-token";
        const apiCalls: string[] = [];
        const apiPort = await listen(
          createServer((req, res) => {
            apiCalls.push(req.url ?? "");
            const url = new URL(req.url ?? "/", "http://api");
            const ns = /^\/api\/v1\/namespaces\/([^/]+)\/pods$/.exec(url.pathname)?.[1];
            if (req.headers.authorization !== `Bearer ${token}`)
              return void res.writeHead(401).end("Unauthorized");
            if (!ns || url.searchParams.get("fieldSelector") !== `spec.nodeName=${nodeName}`)
              return void res.writeHead(400).end("unexpected request");
            const items = pods
              .filter((p) => p.namespace === ns)
              .map((p) => ({
                metadata: { name: p.name, namespace: p.namespace, uid: p.uid, labels: p.labels },
                spec: { nodeName, containers: [{ name: p.container, image: "x" }] },
                status: { phase: "Running", podIP: "10.244.0.9" },
              }));
            res
              .writeHead(200, { "content-type": "application/json" })
              .end(JSON.stringify({ kind: "PodList", items }));
          }),
        );
        mkdirSync(local("/var/run/secrets/sa"), { recursive: true });
        writeFileSync(local("/var/run/secrets/sa/token"), token);

        // Their kubelet log files: every sample line, and one older than the pipeline's maximum age.
        const now = Date.now();
        const at = new Date(now - 5_000).toISOString();
        const tooOld = new Date(now - (samplePipeline.maxAgeHours + 1) * 3_600_000).toISOString();
        const files = new Map<string, string>();
        for (const p of pods) {
          const path = `/var/log/pods/${p.namespace}_${p.name}_${p.uid}/${p.container}/0.log`;
          files.set(p.name, path);
          mkdirSync(dirname(local(`/host${path}`)), { recursive: true });
          const lines = [
            cri("stderr", `too old for ${p.name}`, tooOld),
            ...sampleLines.map((s) => cri(s.stream, s.line, at)),
          ];
          writeFileSync(local(`/host${path}`), `${lines.join("\n")}\n`);
        }

        // The shipper: the planned arguments, its paths under the scratch root, the generated file unchanged.
        const shipperConfigDir = "/etc/shipper";
        const generated = configMap(shipperSet, shipperConfigDir);
        for (const [file, text] of Object.entries(generated)) {
          mkdirSync(local(shipperConfigDir), { recursive: true });
          writeFileSync(join(local(shipperConfigDir), file), text);
        }
        const shipperPort = await freePort();
        const args = (shipper.args as string[]).map((a) =>
          a.startsWith("--server.http.listen-addr=")
            ? `--server.http.listen-addr=127.0.0.1:${shipperPort}`
            : a.replace(/(\/etc\/shipper|\/var\/lib\/alloy\/data)/, (m) => local(m)),
        );
        const shipperProcess = start(binaries.paths.alloy, args, {
          NODE_NAME: nodeName,
          LOG_SHIPPER_STANDIN_API_SERVER: `http://127.0.0.1:${apiPort}`,
          LOG_SHIPPER_STANDIN_SERVICEACCOUNT_DIR: local("/var/run/secrets/sa"),
          LOG_SHIPPER_STANDIN_HOST_ROOT: local("/host"),
          HTTP_PROXY: `http://127.0.0.1:${proxyPort}`,
          http_proxy: `http://127.0.0.1:${proxyPort}`,
          NO_PROXY: "",
          no_proxy: "",
        });
        const shipperUrl = `http://127.0.0.1:${shipperPort}`;
        await waitFor(
          "the shipper's readiness",
          async () => (await get(shipperUrl + shipper.readinessProbe.httpGet.path)).status === 200,
        );
        expect((await get(shipperUrl + shipper.livenessProbe.httpGet.path)).status).toBe(200);

        // What the pipeline says each line becomes: the interpreter's stages on the line, the
        // relabel rules on the pod's discovery labels, `filename` (loki.source.file adds it), and
        // `service_name` (Loki 3 adds it, from `service`).
        const config = Object.values(generated)[0] as string;
        const stages = alloyStages(config);
        for (const p of pods) {
          const meta: Record<string, string> = {
            __meta_kubernetes_namespace: p.namespace,
            __meta_kubernetes_pod_name: p.name,
            __meta_kubernetes_pod_uid: p.uid,
            __meta_kubernetes_pod_container_name: p.container,
            ...Object.fromEntries(
              Object.entries(p.labels).map(([k, v]) => [
                `__meta_kubernetes_pod_label_${k.replace(/[^a-zA-Z0-9_]/g, "_")}`,
                v,
              ]),
            ),
          };
          const target: Record<string, string> = {
            ...alloyTargetLabels(config, meta),
            filename: files.get(p.name) as string,
          };
          const service = target.service as string;
          expect(service).toBe(p.labels["app.kubernetes.io/name"]);
          const expected = new Map<string, Record<string, string>>();
          for (const s of sampleLines) {
            const entry = runStages(stages, cri(s.stream, s.line, at), now);
            if (!entry) throw new Error(`the pipeline drops the sample "${s.name}"`);
            expected.set(entry.line, { ...target, ...entry.labels, service_name: service });
          }
          const got = await waitFor(`${p.name}'s lines in Loki`, async () => {
            const streams = await queryRange(lokiUrl, `{service="${service}"}`, now);
            const lines = new Map(
              streams.flatMap((s) => s.values.map(([, line]) => [line, s.stream] as const)),
            );
            return lines.size >= expected.size ? lines : undefined;
          });
          expect(Object.fromEntries(got)).toEqual(Object.fromEntries(expected));
          // By service and level, as the e2e and a person in Grafana ask.
          for (const [line, labels] of expected) {
            if (!labels.level) continue;
            const streams = await queryRange(lokiUrl, `{service="${service}", level="${labels.level}"}`, now);
            expect(streams.flatMap((s) => s.values.map(([, l]) => l))).toContain(line);
          }
        }

        // The line older than the pipeline's maximum age was dropped by the shipper's drop stage
        // (counted under the config's reason), not sent for Loki to refuse.
        const shipperMetrics = await (await get(`${shipperUrl}/metrics`)).text();
        const reason = /drop_counter_reason = "([^"]+)"/.exec(config)?.[1];
        expect(shipperMetrics).toContain(`reason="${reason}"} ${pods.length}`);
        const lokiMetrics = await (await get(`${lokiUrl}/metrics`)).text();
        expect(lokiMetrics).toContain('loki_discarded_samples_total{reason="greater_than_max_sample_age"} 0');
        expect(apiCalls.length).toBeGreaterThan(0);

        for (const child of [shipperProcess, lokiProcess]) {
          child.kill("SIGTERM");
          const code = await new Promise((resolve) => child.once("exit", resolve));
          expect(code).toBe(0);
        }
      },
      BUILD_TIMEOUT,
    );
  });
});

/** The namespaces the generated Alloy file discovers pods in. */
function shipperRoleNamespaces(planned: Planned): string[] {
  const set = planned.one("DaemonSet", "log-shipper");
  const volume = set.spec.template.spec.volumes.find((v: { configMap?: unknown }) => v.configMap);
  const text =
    Object.values(planned.one("ConfigMap", volume.configMap.name).data as Record<string, string>)[0] ?? "";
  const names = /namespaces \{\s*names = (\[[^\]]*\])/.exec(text)?.[1];
  if (!names) throw new Error("no namespaces in the generated config.alloy");
  return JSON.parse(names);
}

function start(binary: string, args: string[], env: Record<string, string> = {}): ChildProcess {
  const child = spawn(binary, args, {
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (c) => (output += c));
  child.stderr?.on("data", (c) => (output += c));
  child.on("exit", (code) => {
    if (code !== 0 && code !== null) console.error(`${binary} exited ${code}:\n${output}`);
  });
  children.push(child);
  return child;
}

async function freePort(): Promise<number> {
  const server = createTcpServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function listen(server: Server): Promise<number> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

async function get(url: string): Promise<Response> {
  try {
    return await fetch(url);
  } catch {
    return new Response(null, { status: 599 });
  }
}

async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await check();
    if (result) return result;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

interface LokiStream {
  stream: Record<string, string>;
  values: Array<[string, string]>;
}

async function queryRange(base: string, query: string, now: number): Promise<LokiStream[]> {
  const params = new URLSearchParams({
    query,
    start: String((now - 3_600_000) * 1e6),
    end: String((now + 60_000) * 1e6),
    limit: "1000",
  });
  const res = await fetch(`${base}/loki/api/v1/query_range?${params}`);
  const body = (await res.json()) as { status: string; data: { resultType: string; result: LokiStream[] } };
  if (res.status !== 200 || body.status !== "success" || body.data.resultType !== "streams")
    throw new Error(`query_range ${query}: ${res.status} ${JSON.stringify(body)}`);
  return body.data.result;
}
