import { spawnSync } from "node:child_process";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { PROXY_TARGET_KEY, SENTINELS as UNKNOWN_SENTINELS } from "../../policies/lib/json";
import { isConfigSecret } from "./config-secrets";
import { REGISTER_REQUEST_GETTERS, settings } from "./mock-monitor";
import { policyProxy, UNKNOWN_VALUES } from "./policy-proxy";
import { SECRET_SIG, SECRET_SIG_KEY } from "./secret-wire";
import { type InternalsPackage, installedVersion, VERIFIED_VERSIONS } from "./versions";

// The upgrade guard: every version and internal shape this module relies on, checked against the
// installed packages. Each problem names the module and what to re-read; none is a warning.

const MODULE = "tools/pulumi-internals";
const ROOT = join(__dirname, "..", "..");

type Check = () => string | undefined | Promise<string | undefined>;

function fn(obj: unknown, key: string): boolean {
  return typeof obj === "object" && obj !== null && typeof Reflect.get(obj, key) === "function";
}

const versionChecks: Check[] = (Object.keys(VERIFIED_VERSIONS) as InternalsPackage[]).map((pkg) => () => {
  const installed = installedVersion(pkg);
  return installed === VERIFIED_VERSIONS[pkg]
    ? undefined
    : `${pkg} is ${installed}, the internals were verified against ${VERIFIED_VERSIONS[pkg]}: re-read what ${MODULE}/index.ts lists in the new version, then update VERIFIED_VERSIONS in ${MODULE}/versions.ts`;
});

const mockMonitorChecks: Check[] = [
  () =>
    fn(settings, "getMonitor") && fn(settings, "waitForRPCs")
      ? undefined
      : "@pulumi/pulumi/runtime/settings no longer exports getMonitor and waitForRPCs",
  () => {
    const pb = require("@pulumi/pulumi/proto/resource_pb");
    const missing = REGISTER_REQUEST_GETTERS.filter((g) => !fn(pb.RegisterResourceRequest?.prototype, g));
    if (!fn(pb.RegisterResourceResponse?.prototype, "getUrn"))
      missing.push("RegisterResourceResponse.getUrn" as never);
    if (!fn(pb.RegisterResourceRequest?.PropertyDependencies?.prototype, "getUrnsList"))
      missing.push("PropertyDependencies.getUrnsList" as never);
    return missing.length === 0
      ? undefined
      : `proto/resource_pb.js lacks ${missing.join(", ")} (read by mock-monitor.ts)`;
  },
  async () => {
    // MockMonitor calls newResource before its first await and keeps the answer in `resources`.
    const { MockMonitor } = require("@pulumi/pulumi/runtime/mocks");
    const pb = require("@pulumi/pulumi/proto/resource_pb");
    const { Struct } = require("google-protobuf/google/protobuf/struct_pb");
    let called = false;
    const monitor = new MockMonitor({
      newResource: () => {
        called = true;
        return { id: "the-id", state: { answered: true } };
      },
      call: () => ({}),
    });
    const req = new pb.RegisterResourceRequest();
    req.setType("guard:index:Probe");
    req.setName("probe");
    req.setCustom(true);
    req.setObject(Struct.fromJavaScript({ a: 1 }));
    let urn = "";
    const done: Promise<void> = monitor.registerResource(req, (_err: unknown, res?: { getUrn(): string }) => {
      urn = res?.getUrn() ?? "";
    });
    const synchronous = called;
    await done;
    const kept: unknown = monitor.resources instanceof Map ? monitor.resources.get(urn) : undefined;
    if (!synchronous) return "MockMonitor.registerResource no longer calls newResource synchronously";
    if (!kept || Reflect.get(kept, "id") !== "the-id" || typeof Reflect.get(kept, "state") !== "object")
      return "MockMonitor no longer keeps its answers in `resources` (a Map by URN of {id, state})";
    return undefined;
  },
];

const policyProxyChecks: Check[] = [
  () => {
    const theirs = Object.values(UNKNOWN_VALUES);
    const same =
      theirs.every((v) => typeof v === "string" && UNKNOWN_SENTINELS.has(v)) &&
      theirs.length === UNKNOWN_SENTINELS.size;
    return same
      ? undefined
      : "@pulumi/policy/proxy's unknown-value sentinels differ from policies/lib/json.ts SENTINELS";
  },
  () => {
    if (policyProxy.getSpecialProxyTarget !== PROXY_TARGET_KEY)
      return `@pulumi/policy/proxy's target key is ${String(policyProxy.getSpecialProxyTarget)}, policies/lib/json.ts reads ${PROXY_TARGET_KEY}`;
    const target = { known: 1, unknown: UNKNOWN_VALUES.string };
    const proxied = policyProxy.unknownCheckingProxy(target);
    if (Reflect.get(proxied, PROXY_TARGET_KEY) !== target)
      return "unknownCheckingProxy no longer hands back its target for getSpecialProxyTarget";
    try {
      void proxied.unknown;
      return "unknownCheckingProxy no longer throws on an unknown value";
    } catch (e) {
      return e instanceof policyProxy.UnknownValueError
        ? undefined
        : "unknownCheckingProxy throws something else than UnknownValueError on an unknown value";
    }
  },
];

const secretChecks: Check[] = [
  () =>
    pulumi.runtime.specialSigKey === SECRET_SIG_KEY && pulumi.runtime.specialSecretSig === SECRET_SIG
      ? undefined
      : "@pulumi/pulumi's specialSigKey/specialSecretSig differ from secret-wire.ts",
  () => {
    const before = pulumi.runtime.allConfig();
    try {
      pulumi.runtime.setAllConfig({ "guard:secret": "a", "guard:plain": "b" }, ["guard:secret"]);
      return isConfigSecret("guard:secret") && !isConfigSecret("guard:plain")
        ? undefined
        : "runtime/config isConfigSecret no longer tells secret keys from plain ones";
    } catch (e) {
      return (e as Error).message;
    } finally {
      pulumi.runtime.setAllConfig(before);
    }
  },
];

const typescriptShimChecks: Check[] = [
  () => {
    // In a fresh process as the CLI scripts start: the SDK imported, the compiler not loaded, and
    // the lazy module answering as the compiler would.
    const script = [
      'const lazy = require("./tools/pulumi-internals/lazy-typescript.cjs");',
      "const installed = lazy.installLazyTypescript();",
      'require("@pulumi/pulumi");',
      "const loaded = Object.keys(require.cache).some((p) => /[\\\\/]typescript[\\\\/]lib[\\\\/]typescript\\.js$/.test(p));",
      'const shim = require("@pulumi/pulumi/typescript-shim");',
      'const real = require(require.resolve("typescript", { paths: [require.resolve("@pulumi/pulumi/typescript-shim")] }));',
      "console.log(JSON.stringify({ installed, loaded, lazy: shim[lazy.LAZY] === true, same: shim.version === real.version && shim.SyntaxKind === real.SyntaxKind }));",
    ].join("\n");
    const r = spawnSync(process.execPath, ["-e", script], { cwd: ROOT, encoding: "utf8" });
    let out: Record<string, boolean> = {};
    try {
      out = JSON.parse(r.stdout.trim());
    } catch {
      return `lazy-typescript.cjs probe failed: ${r.stderr.trim().split("\n")[0] ?? r.status}`;
    }
    if (!out.installed || !out.lazy)
      return "@pulumi/pulumi/typescript-shim is gone or moved (lazy-typescript.cjs)";
    if (out.loaded)
      return "@pulumi/pulumi loads the TypeScript compiler by another path than typescript-shim";
    if (!out.same) return "the lazy typescript-shim does not answer as the compiler does";
    return undefined;
  },
];

/** Every internal this module relies on, by area. */
export const INTERNALS_CHECKS = {
  versions: versionChecks,
  "mock monitor (tools/plan/runtime.ts)": mockMonitorChecks,
  "policy proxy (policies/runner/analyze.ts, policies/lib/json.ts)": policyProxyChecks,
  "secret markers and config secrets": secretChecks,
  "typescript-shim (tools/fast-start.cjs)": typescriptShimChecks,
} as const;

/** The problems found, each naming this module; empty when every internal is as expected. */
export async function internalsProblems(): Promise<string[]> {
  const problems: string[] = [];
  for (const [area, checks] of Object.entries(INTERNALS_CHECKS)) {
    for (const check of checks) {
      let problem: string | undefined;
      try {
        problem = await check();
      } catch (e) {
        problem = `check threw: ${(e as Error).message}`;
      }
      if (problem) problems.push(`${MODULE} [${area}]: ${problem}`);
    }
  }
  return problems;
}
