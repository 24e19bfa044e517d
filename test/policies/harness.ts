// Loads a Polaris-style fixture (test/policies/fixtures/<policy-id>/{success,failure}.<case>.yaml)
// into the same offline runner the CLI uses. Kubernetes documents go through the CLI's YAML loader;
// documents of kind `PulumiResource` (apiVersion policies.platform.internal/v1) stand for
// non-Kubernetes resources ({type, name, opts, props, propertyDependencies: {prop: ["<type>::<name>"]}}).
// Header comments set the run:
//   # expect: <text>            a failure must produce a violation of the policy containing <text>
//   # level: mandatory|advisory every violation of the policy must have this level
//   # config: {json}            pack config (merged over the pack-config file, if any)
//   # pack-config: default      start from policies/config/default.json
//   # stack-tags: k=v, k2=v2    stack tags
//   # preview: false            run as an update (PULUMI_NODEJS_DRY_RUN=false)

import { readFileSync } from "node:fs";
import { basename, join } from "node:path";
import type { PolicyPackConfig } from "@pulumi/policy";
import { type AnalyzedResource, analyze, type PolicyReport } from "../../policies/runner/analyze";
import { loadPackConfig, mergePackConfigs } from "../../policies/runner/config";
import { parseKubernetesYaml, toAnalyzedResource } from "../../policies/runner/kubernetes-yaml";

export const FIXTURES = join(__dirname, "fixtures");
export const PULUMI_RESOURCE_API = "policies.platform.internal/v1";

export interface Fixture {
  file: string;
  policy: string;
  outcome: "success" | "failure";
  name: string;
  expect: string[];
  level?: "mandatory" | "advisory";
  config?: PolicyPackConfig;
  stackTags: Record<string, string>;
  preview: boolean;
  resources: AnalyzedResource[];
}

function header(text: string, key: string): string[] {
  const re = new RegExp(`^#\\s*${key}:\\s*(.*)$`, "gm");
  return [...text.matchAll(re)].map((m) => (m[1] ?? "").trim());
}

export function loadFixture(file: string, policy = basename(join(file, ".."))): Fixture {
  const text = readFileSync(file, "utf8");
  const base = basename(file);
  const m = /^(success|failure)\.(.+)\.ya?ml$/.exec(base);
  if (!m?.[1] || !m[2])
    throw new Error(`${file}: fixture names are success.<case>.yaml or failure.<case>.yaml`);
  const resources: AnalyzedResource[] = [];
  for (const o of parseKubernetesYaml(text, file)) {
    if (o.object.apiVersion === PULUMI_RESOURCE_API && o.object.kind === "PulumiResource") {
      const { type, name, opts, props, propertyDependencies } = o.object as {
        type: string;
        name: string;
        opts?: AnalyzedResource["opts"];
        props?: Record<string, unknown>;
        /** property -> ["<type>::<name>", ...] of other fixture resources. */
        propertyDependencies?: Record<string, string[]>;
      };
      resources.push({
        type,
        name,
        urn: `urn:pulumi:fixture::platform::${type}::${name}`,
        props: props ?? {},
        ...(opts ? { opts } : {}),
        ...(propertyDependencies
          ? {
              propertyDependencies: Object.fromEntries(
                Object.entries(propertyDependencies).map(([k, refs]) => [
                  k,
                  refs.map((ref) => `urn:pulumi:fixture::platform::${ref}`),
                ]),
              ),
            }
          : {}),
      });
    } else {
      resources.push(toAnalyzedResource(o, "fixture", "platform"));
    }
  }
  const inline = header(text, "config").map((j) => JSON.parse(j) as Record<string, unknown>);
  const packConfig = header(text, "pack-config")[0];
  const config =
    packConfig || inline.length > 0
      ? mergePackConfigs(packConfig === "default" ? loadPackConfig() : undefined, ...inline)
      : undefined;
  const stackTags: Record<string, string> = {};
  for (const line of header(text, "stack-tags")) {
    for (const pair of line.split(",")) {
      const [k, ...v] = pair.trim().split("=");
      if (k) stackTags[k] = v.join("=");
    }
  }
  const level = header(text, "level")[0];
  return {
    file,
    policy,
    outcome: m[1] as Fixture["outcome"],
    name: m[2],
    expect: header(text, "expect"),
    level: level === "mandatory" || level === "advisory" ? level : undefined,
    config,
    stackTags,
    preview: header(text, "preview")[0] !== "false",
    resources,
  };
}

export function runFixture(f: Fixture): PolicyReport {
  return analyze(f.resources, { config: f.config, stackTags: f.stackTags, preview: f.preview });
}
