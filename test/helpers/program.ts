import type { ServiceSpec } from "../../components/service/spec";
import { reveal } from "../../tools/plan/redact";
import { isKubernetesObject } from "../../tools/plan/render";
import { type ProgramRun, runProgram } from "../../tools/plan/run";
import type { RecordedResource } from "../../tools/plan/runtime";

// Runs the real program under the mock runtime with a config given as an object, and offers
// lookups over what it registered. Config objects are written as the stack file would hold them.

export type KubeObject = {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  // biome-ignore lint/suspicious/noExplicitAny: manifests are free-form; tests navigate them directly.
  spec?: any;
  // biome-ignore lint/suspicious/noExplicitAny: see above
  [key: string]: any;
};

/** The local stack's settings with every service allowed to scale (HPAs and PDBs present). */
export function baseConfig(): Record<string, unknown> {
  return {
    profile: "in-cluster",
    environment: "local",
    namespace: "platform",
    images: { registry: "registry.example.com/platform", tag: "2026.11.3" },
    cluster: { source: "context" },
    // As in the local stack file: secrets nobody set are generated.
    generateMissingSecrets: true,
    gateway: {
      enabled: true,
      className: "envoy-gateway",
      hostname: "platform.example.com",
      allowFrom: { namespaces: ["envoy-gateway-system"] },
    },
  };
}

export function toStackConfig(values: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(values).map(([k, v]) => [`platform:${k}`, typeof v === "string" ? v : JSON.stringify(v)]),
  );
}

export class Planned {
  constructor(readonly run: ProgramRun) {}

  get resources(): RecordedResource[] {
    return this.run.resources;
  }

  get objects(): KubeObject[] {
    return this.run.resources.filter(isKubernetesObject).map((r) => reveal(r.state) as KubeObject);
  }

  all(kind: string): KubeObject[] {
    return this.objects.filter((o) => o.kind === kind);
  }

  one(kind: string, name: string): KubeObject {
    const found = this.objects.find((o) => o.kind === kind && o.metadata.name === name);
    if (!found) throw new Error(`no ${kind} ${name} in the plan`);
    return found;
  }

  find(kind: string, name: string): KubeObject | undefined {
    return this.objects.find((o) => o.kind === kind && o.metadata.name === name);
  }

  resource(type: string, predicate: (r: RecordedResource) => boolean = () => true): RecordedResource {
    const found = this.run.resources.find((r) => r.type === type && predicate(r));
    if (!found) throw new Error(`no resource of type ${type} matches`);
    return found;
  }

  /** The first container of a workload's pod template. */
  // biome-ignore lint/suspicious/noExplicitAny: see KubeObject
  container(kind: string, name: string): any {
    const o = this.one(kind, name);
    const pod = kind === "CronJob" ? o.spec.jobTemplate.spec.template.spec : o.spec.template.spec;
    return pod.containers[0];
  }

  /** Every environment variable a workload's main container sees: ConfigMap values and env. */
  environment(kind: string, name: string): Record<string, unknown> {
    const c = this.container(kind, name);
    const env: Record<string, unknown> = {};
    for (const from of c.envFrom ?? []) {
      const cm = this.one("ConfigMap", from.configMapRef.name);
      Object.assign(env, cm.data);
    }
    for (const e of c.env ?? []) env[e.name] = e.value ?? e.valueFrom;
    return env;
  }
}

export async function plan(
  values: Record<string, unknown>,
  options: {
    catalog?: readonly ServiceSpec[];
    stack?: string;
    secretKeys?: string[];
    raw?: Record<string, string>;
  } = {},
): Promise<Planned> {
  const run = await runProgram({
    stack: options.stack ?? "test",
    config: { ...toStackConfig(values), ...(options.raw ?? {}) },
    secretKeys: options.secretKeys ?? [],
    ...(options.catalog ? { catalog: options.catalog } : {}),
  });
  return new Planned(run);
}
