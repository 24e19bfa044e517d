// The real pack: policies/index.ts starts @pulumi/policy's gRPC analyzer (what `pulumi preview
// --policy-pack policies` talks to). We drive it over gRPC exactly as the engine does (GetAnalyzerInfo,
// Configure, ConfigureStack, Analyze per resource, AnalyzeStack) and require the offline runner to
// report the same findings for every fixture: what passes offline passes under the real analyzer.
// Also: importing policies/checks alone never starts a pack.

import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { packEnforcementLevel, policies } from "../../policies/checks";
import { type AnalyzedResource, analyze, UNKNOWN_VALUES } from "../../policies/runner/analyze";
import { resolvePackConfig } from "../../policies/runner/config";
import { nonEmpty } from "../helpers/non-empty";
import { FIXTURES, type Fixture, loadFixture } from "./harness";

const ROOT = resolve(__dirname, "..", "..");
const TSX = join(ROOT, "node_modules", "tsx", "dist", "cli.mjs");

// The engine's protocol, from the SDK the pack itself uses.
const grpc = require("@grpc/grpc-js") as typeof import("@grpc/grpc-js");
const rpc =
  require("@pulumi/pulumi/proto/analyzer_grpc_pb") as typeof import("@pulumi/pulumi/proto/analyzer_grpc_pb");
const pb = require("@pulumi/pulumi/proto/analyzer_pb") as typeof import("@pulumi/pulumi/proto/analyzer_pb");
const { Struct } =
  require("google-protobuf/google/protobuf/struct_pb") as typeof import("google-protobuf/google/protobuf/struct_pb");
const { Empty } =
  require("google-protobuf/google/protobuf/empty_pb") as typeof import("google-protobuf/google/protobuf/empty_pb");

type Client = InstanceType<typeof rpc.AnalyzerClient>;

interface Finding {
  policy: string;
  level: string;
  urn: string;
  message: string;
}

const LEVEL = { advisory: 0, mandatory: 1, disabled: 2, remediate: 3 } as const;
const LEVEL_NAME = ["advisory", "mandatory", "disabled", "remediate"];

type AnalyzeResponse = InstanceType<typeof pb.AnalyzeResponse>;
type AnalyzerInfo = InstanceType<typeof pb.AnalyzerInfo>;

function call<Res>(invoke: (cb: (err: Error | null, res: Res) => void) => unknown): Promise<Res> {
  return new Promise((ok, fail) => {
    invoke((err, res) => (err ? fail(err) : ok(res)));
  });
}

function startPack(dryRun: boolean): Promise<{ child: ChildProcess; client: Client }> {
  const env: NodeJS.ProcessEnv = { ...process.env, PULUMI_NODEJS_DRY_RUN: String(dryRun) };
  delete env.PLATFORM_DEPLOY_WINDOW_OVERRIDE;
  delete env.PULUMI_NODEJS_STACK;
  const child = spawn(process.execPath, [TSX, "index.ts"], {
    cwd: join(ROOT, "policies"),
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  return new Promise((ok, fail) => {
    let out = "";
    let err = "";
    child.stderr?.on("data", (d) => {
      err += String(d);
    });
    child.on("exit", (code) => fail(new Error(`pack exited with ${code}: ${err}`)));
    child.stdout?.on("data", (d) => {
      out += String(d);
      const line = out.split("\n")[0] ?? "";
      if (out.includes("\n") && /^\d+$/.test(line.trim())) {
        ok({
          child,
          client: new rpc.AnalyzerClient(`127.0.0.1:${line.trim()}`, grpc.credentials.createInsecure()),
        });
      }
    });
  });
}

function options(r: AnalyzedResource): InstanceType<typeof pb.AnalyzerResourceOptions> {
  const o = new pb.AnalyzerResourceOptions();
  o.setProtect(r.opts?.protect === true);
  if (r.parent) o.setParent(r.parent);
  if (typeof r.opts?.deleteBeforeReplace === "boolean") {
    o.setDeletebeforereplacedefined(true);
    o.setDeletebeforereplace(r.opts.deleteBeforeReplace);
  }
  return o;
}

async function realFindings(client: Client, f: Fixture): Promise<Finding[]> {
  const resolved = resolvePackConfig(policies, packEnforcementLevel, f.config);
  const configure = new pb.ConfigureAnalyzerRequest();
  for (const [name, s] of resolved.policies) {
    const pc = new pb.PolicyConfig();
    pc.setEnforcementlevel(LEVEL[s.enforcementLevel]);
    pc.setProperties(Struct.fromJavaScript(s.properties as never));
    configure.getPolicyconfigMap().set(name, pc);
  }
  await call((cb) => client.configure(configure, cb));
  const stack = new pb.AnalyzerStackConfigureRequest();
  for (const [k, v] of Object.entries(f.stackTags)) stack.getTagsMap().set(k, v);
  await call((cb) => client.configureStack(stack, cb));

  const description = new Map(policies.map((p) => [p.name, p.description]));
  const findings: Finding[] = [];
  const collect = (diags: InstanceType<typeof pb.AnalyzeDiagnostic>[], urn: string) => {
    for (const d of diags) {
      const prefix = `${description.get(d.getPolicyname())}\n`;
      const message = d.getMessage().startsWith(prefix)
        ? d.getMessage().slice(prefix.length)
        : d.getMessage();
      findings.push({
        policy: d.getPolicyname(),
        level: LEVEL_NAME[d.getEnforcementlevel()] ?? "?",
        urn: urn || d.getUrn(),
        message,
      });
    }
  };
  for (const r of f.resources) {
    const req = new pb.AnalyzeRequest();
    req.setType(r.type);
    req.setName(r.name);
    req.setUrn(r.urn);
    req.setProperties(Struct.fromJavaScript(r.props as never));
    req.setOptions(options(r));
    const res = await call<AnalyzeResponse>((cb) => client.analyze(req, cb));
    collect(res.getDiagnosticsList(), r.urn);
  }
  const stackReq = new pb.AnalyzeStackRequest();
  stackReq.setResourcesList(
    f.resources.map((r) => {
      const a = new pb.AnalyzerResource();
      a.setType(r.type);
      a.setName(r.name);
      a.setUrn(r.urn);
      a.setProperties(Struct.fromJavaScript(r.props as never));
      a.setOptions(options(r));
      if (r.parent) a.setParent(r.parent);
      a.setDependenciesList(r.dependencies ?? []);
      for (const [property, urns] of Object.entries(r.propertyDependencies ?? {})) {
        const deps = new pb.AnalyzerPropertyDependencies();
        deps.setUrnsList(urns);
        a.getPropertydependenciesMap().set(property, deps);
      }
      return a;
    }),
  );
  const res = await call<AnalyzeResponse>((cb) => client.analyzeStack(stackReq, cb));
  collect(res.getDiagnosticsList(), "");
  return findings;
}

function offlineFindings(f: Fixture): Finding[] {
  return analyze(f.resources, {
    config: f.config,
    stackTags: f.stackTags,
    preview: f.preview,
  }).violations.map((v) => ({
    policy: v.policy,
    level: v.enforcementLevel,
    urn: v.resource.urn,
    message: v.message,
  }));
}

const sortFindings = (list: Finding[]) =>
  [...list].sort((a, b) =>
    `${a.policy}|${a.urn}|${a.message}`.localeCompare(`${b.policy}|${b.urn}|${b.message}`),
  );

function allFixtures(): Fixture[] {
  const out: Fixture[] = [];
  for (const dir of readdirSync(FIXTURES, { withFileTypes: true })) {
    if (!dir.isDirectory()) continue;
    for (const file of readdirSync(join(FIXTURES, dir.name)).sort()) {
      if (/\.ya?ml$/.test(file)) out.push(loadFixture(join(FIXTURES, dir.name, file), dir.name));
    }
  }
  return out;
}

/** A preview with unknown values: computed env values, image and replicas. */
const previewWithUnknowns: Fixture = {
  file: "(inline)",
  policy: "(all)",
  outcome: "failure",
  name: "unknowns",
  expect: [],
  stackTags: {},
  preview: true,
  resources: [
    {
      type: "kubernetes:apps/v1:Deployment",
      name: "content",
      urn: "urn:pulumi:fixture::platform::kubernetes:apps/v1:Deployment::content",
      props: {
        metadata: { name: "content", namespace: "shop" },
        spec: {
          replicas: UNKNOWN_VALUES.number,
          selector: { matchLabels: { app: "content" } },
          template: {
            metadata: { labels: { app: "content" } },
            spec: {
              containers: [
                {
                  name: "web",
                  image: UNKNOWN_VALUES.string,
                  env: [
                    { name: "APP_ENV", value: "prod" },
                    { name: "REDIS_URL", value: UNKNOWN_VALUES.string },
                  ],
                },
              ],
            },
          },
        },
      },
    },
  ],
};

describe("the real pack", () => {
  it("importing policies/checks does not start a pack", () => {
    const p = spawnSync(
      process.execPath,
      [TSX, "-e", "const c = require('./policies/checks'); console.log(c.policies.length)"],
      {
        cwd: ROOT,
        encoding: "utf8",
        timeout: 60_000,
      },
    );
    expect(p.status).toBe(0);
    expect(p.stdout.trim()).toBe(String(policies.length));
  });

  describe("over gRPC", () => {
    let preview: { child: ChildProcess; client: Client };
    let update: { child: ChildProcess; client: Client };

    beforeAll(async () => {
      [preview, update] = await Promise.all([startPack(true), startPack(false)]);
    }, 60_000);

    afterAll(() => {
      for (const p of [preview, update]) {
        p?.client.close();
        p?.child.kill();
      }
    });

    it("describes every policy with the level the offline runner assumes", async () => {
      const info = await call<AnalyzerInfo>((cb) => preview.client.getAnalyzerInfo(new Empty(), cb));
      expect(info.getName()).toBe("platform");
      expect(info.getSupportsconfig()).toBe(true);
      const described = info.getPoliciesList().map((p) => [p.getName(), LEVEL_NAME[p.getEnforcementlevel()]]);
      expect(described).toEqual(policies.map((p) => [p.name, p.enforcementLevel ?? packEnforcementLevel]));
    });

    it("reports exactly what the offline runner reports, fixture by fixture", async () => {
      const fixtures = [...allFixtures(), previewWithUnknowns];
      expect(fixtures.length).toBeGreaterThan(100);
      let compared = 0;
      for (const f of nonEmpty(fixtures)) {
        const real = await realFindings((f.preview ? preview : update).client, f);
        expect(sortFindings(offlineFindings(f)), f.file).toEqual(sortFindings(real));
        compared += real.length;
      }
      expect(compared).toBeGreaterThan(200);
    }, 120_000);
  });
});
