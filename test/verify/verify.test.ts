import { execFileSync } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadPackConfig } from "../../policies/runner/config";
import { run } from "../../stacks/verify/cli";
import { catalog } from "../helpers/catalog";
import { nonEmpty } from "../helpers/non-empty";
import { FakeRollbackDriver, update } from "../rollback/fake-driver";

// `npm run verify` against a fake gateway, fake services and a fake Prometheus on 127.0.0.1: the
// stack outputs point every URL at it, exactly as a real stack's outputs point at the cluster.

const REGISTRY = "registry.example.com/platform";

interface World {
  /** Services whose readiness answers 503. */
  unready: Set<string>;
  /** Route prefixes the gateway answers 502 for. */
  brokenRoutes: Set<string>;
  /** 5xx ratio by service, as Prometheus would compute it. */
  ratios: Record<string, number>;
  queries: string[];
}

const world: World = { unready: new Set(), brokenRoutes: new Set(), ratios: {}, queries: [] };
let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const [, kind, name] = url.pathname.split("/");
    if (kind === "prometheus") {
      world.queries.push(url.searchParams.get("query") ?? "");
      res.setHeader("content-type", "application/json");
      res.end(
        JSON.stringify({
          status: "success",
          data: {
            resultType: "vector",
            result: Object.entries(world.ratios).map(([service, ratio]) => ({
              metric: { service },
              value: [Date.now() / 1000, String(ratio)],
            })),
          },
        }),
      );
      return;
    }
    if (kind === "svc") {
      const spec = catalog.find((s) => s.name === name);
      const readiness = `/svc/${name}${spec?.readinessPath}`;
      res.statusCode = url.pathname === readiness && !world.unready.has(name ?? "") ? 200 : 503;
      res.end();
      return;
    }
    if (kind === "gw") {
      const path = url.pathname.slice(3);
      res.statusCode = [...world.brokenRoutes].some((r) => path.startsWith(r)) ? 502 : 404;
      res.end();
      return;
    }
    res.statusCode = 500;
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((r) => server.close(() => r())));

function outputs(automatic: boolean) {
  return {
    namespace: "platform",
    gatewayUrl: `${base}/gw`,
    services: Object.fromEntries(
      catalog.map((s) => [
        s.name,
        {
          url: `${base}/svc/${s.name}`,
          image: `${REGISTRY}/${s.image ?? s.name}:2026.11.5`,
          routes: (s.routes ?? []).map((r) => r.pathPrefix),
          ...(s.database?.schemaChanges ? { schemaChanges: s.database.schemaChanges } : {}),
        },
      ]),
    ),
    monitoring: { prometheusUrl: `${base}/prometheus`, errorRatio: 0.05 },
    rollback: { automatic },
  };
}

async function verify(argv: string[], driver: FakeRollbackDriver) {
  let stdout = "";
  let stderr = "";
  const slept: number[] = [];
  const code = await run(argv, {
    driver: async () => driver,
    io: { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) },
    sleep: async (ms) => {
      slept.push(ms);
    },
  });
  return { code, stdout, stderr, slept };
}

const reset = () => {
  world.unready.clear();
  world.brokenRoutes.clear();
  world.ratios = {};
  world.queries = [];
};

const history = () => [update(2, "2026.11.5"), update(1, "2026.11.4")];
const compatible = catalog.filter((s) => s.database?.schemaChanges !== "breaking");
const routed = compatible.find((s) => (s.routes ?? []).length > 0);

describe("npm run verify", () => {
  it("passes a healthy stack after checking every service, every route and the 5xx ratio for the window", async () => {
    reset();
    world.ratios = Object.fromEntries(catalog.map((s) => [s.name, 0.001]));
    const r = await verify(
      ["--stack", "ci-1", "--window", "60", "--interval", "20"],
      new FakeRollbackDriver(history(), outputs(true)),
    );
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    for (const s of nonEmpty(catalog)) expect(r.stdout).toContain(`ready ${s.name}\n`);
    for (const s of nonEmpty(
      catalog.filter((x) => x.routes?.length),
      "services with routes",
    ))
      for (const route of s.routes ?? [])
        expect(r.stdout).toContain(`route ${route.pathPrefix} (${s.name}): 404`);
    expect(world.queries).toHaveLength(3);
    expect(world.queries[0]).toContain('namespace="platform"');
    expect(world.queries[0]).toContain("[60s]");
    expect(r.slept).toEqual([20_000, 20_000]);
  });

  it("fails naming the service whose readiness does not answer 200, without rolling back when automatic is off", async () => {
    reset();
    const victim = compatible[0]?.name as string;
    world.unready.add(victim);
    const driver = new FakeRollbackDriver(history(), outputs(false));
    const r = await verify(["--stack", "ci-1"], driver);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`FAILED ${victim} (readiness)`);
    expect(r.stderr).not.toContain("rolling back");
    expect(driver.calls.filter((c) => /^(setConfig|preview|up) /.test(c))).toEqual([]);
    expect(world.queries).toEqual([]);
  });

  it("fails on a route the gateway cannot serve", async () => {
    reset();
    if (!routed) throw new Error("the catalog has no public route");
    const prefix = routed.routes?.[0]?.pathPrefix as string;
    world.brokenRoutes.add(prefix);
    const r = await verify(
      ["--stack", "ci-1", "--window", "0"],
      new FakeRollbackDriver(history(), outputs(false)),
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`FAILED ${routed.name} (route): GET ${base}/gw${prefix} answered 502`);
  });

  it("fails on a 5xx spike and rolls back to the previous images when rollback.automatic is set", async () => {
    reset();
    const victim = compatible[0]?.name as string;
    world.ratios = { [victim]: 0.4 };
    const driver = new FakeRollbackDriver(history(), outputs(true));
    const r = await verify(["--stack", "ci-1", "--window", "30", "--interval", "15"], driver);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`FAILED ${victim} (error-ratio): 40.0% of requests answered 5xx over 30s`);
    expect(r.stderr).toContain("rolling back");
    // Breaking services are not crossed automatically: the rollback refuses, and says so.
    const breaking = catalog.some((s) => s.database?.schemaChanges === "breaking");
    if (breaking) {
      expect(r.stderr).toContain("the automatic rollback did not complete (exit 2)");
    } else {
      expect(driver.config["platform:images"]).toMatchObject({ tag: "2026.11.4" });
      expect(r.stderr).toContain("rolled back");
    }
  });

  it("rolls back automatically when no service is marked breaking", async () => {
    reset();
    const victim = compatible[0]?.name as string;
    world.unready.add(victim);
    const out = outputs(true);
    out.services = Object.fromEntries(
      Object.entries(out.services).filter(([n]) => compatible.some((s) => s.name === n)),
    );
    const driver = new FakeRollbackDriver(history(), out);
    const r = await verify(["--stack", "ci-1"], driver);
    expect(r.code).toBe(1);
    expect(driver.config["platform:images"]).toMatchObject({ tag: "2026.11.4" });
    expect(driver.calls.some((c) => c.startsWith("up ci-1"))).toBe(true);
    expect(driver.packConfigs.at(-1)).toEqual(JSON.parse(JSON.stringify(loadPackConfig("ci-1"))));
    expect(r.stderr).toContain("rolled back; the release stays failed");
  });

  it("rejects bad command lines with exit code 2", async () => {
    for (const argv of [[], ["--stack", "x", "--window", "-1"], ["--stack", "x", "--max-error-ratio", "2"]]) {
      const r = await verify(argv, new FakeRollbackDriver([], {}));
      expect(r.code, argv.join(" ")).toBe(2);
      expect(r.stderr).toContain("usage: npm run verify");
    }
  });

  it("`npm run verify -- --help` prints the usage", () => {
    const out = execFileSync("npm", ["run", "--silent", "verify", "--", "--help"], {
      cwd: `${__dirname}/../..`,
      encoding: "utf8",
    });
    expect(out).toContain("usage: npm run verify -- --stack <name>");
  }, 60_000);
});
