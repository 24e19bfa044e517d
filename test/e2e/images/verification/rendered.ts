import { join } from "node:path";
import { reveal } from "../../../../tools/plan/redact";
import { isKubernetesObject } from "../../../../tools/plan/render";
import { runProgram } from "../../../../tools/plan/run";
import { readStackFile } from "../../../../tools/plan/stack-file";
import { e2eImageOverrides } from "../overrides";

// What the program renders for a stack, secrets included (in memory only: nothing is written),
// with `platform:images.overrides` pointing at the images built here, as the e2e stack runs them.
// The verification runs exactly these objects: the pod templates, the Secrets and ConfigMaps they
// mount or read, and the credentials the services are given.

export const ROOT = join(__dirname, "..", "..", "..", "..");

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    secretKeyRef?: { name: string; key: string };
    configMapKeyRef?: { name: string; key: string };
  };
}

export interface Probe {
  exec?: { command: string[] };
  tcpSocket?: { port: string | number };
  httpGet?: { path: string; port: string | number };
  periodSeconds?: number;
  timeoutSeconds?: number;
  failureThreshold?: number;
}

export interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  env?: EnvVar[];
  workingDir?: string;
  ports?: Array<{ name?: string; containerPort: number }>;
  securityContext?: {
    runAsUser?: number;
    runAsGroup?: number;
    readOnlyRootFilesystem?: boolean;
    allowPrivilegeEscalation?: boolean;
    capabilities?: { drop?: string[]; add?: string[] };
    seccompProfile?: { type: string };
  };
  volumeMounts?: Array<{ name: string; mountPath: string; readOnly?: boolean }>;
  startupProbe?: Probe;
  readinessProbe?: Probe;
  livenessProbe?: Probe;
}

export interface Volume {
  name: string;
  emptyDir?: Record<string, unknown>;
  secret?: { secretName: string };
  configMap?: { name: string };
}

export interface PodSpec {
  securityContext?: {
    runAsUser?: number;
    runAsGroup?: number;
    fsGroup?: number;
    supplementalGroups?: number[];
    seccompProfile?: { type: string };
  };
  containers: Container[];
  volumes?: Volume[];
}

export interface KubeObject {
  kind: string;
  metadata: { name: string; namespace?: string };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}

/** A workload's pod template as the program renders it, with what the kubelet gives it. */
export interface RenderedPod {
  /** The StatefulSet or Job. */
  owner: KubeObject;
  /** The pod's host name: `<statefulset>-0`, or the Job's name. */
  hostname: string;
  /** A StatefulSet pod's subdomain: its governing Service (`serviceName`). */
  subdomain?: string;
  spec: PodSpec;
  container: Container;
  /** Volumes a StatefulSet's volumeClaimTemplates provide (a directory each, like emptyDir). */
  claims: string[];
}

export class RenderedStack {
  constructor(readonly objects: readonly KubeObject[]) {}

  /** The pods of the StatefulSets and Jobs that run `image`. */
  podsRunning(image: string): RenderedPod[] {
    const pods: RenderedPod[] = [];
    for (const owner of this.objects) {
      if (owner.kind !== "StatefulSet" && owner.kind !== "Job") continue;
      const spec = owner.spec as {
        serviceName?: string;
        template: { spec: PodSpec };
        volumeClaimTemplates?: Array<{ metadata: { name: string } }>;
      };
      for (const container of spec.template.spec.containers) {
        if (container.image !== image) continue;
        pods.push({
          owner,
          hostname: owner.kind === "StatefulSet" ? `${owner.metadata.name}-0` : owner.metadata.name,
          ...(spec.serviceName ? { subdomain: spec.serviceName } : {}),
          spec: spec.template.spec,
          container,
          claims: (spec.volumeClaimTemplates ?? []).map((c) => c.metadata.name),
        });
      }
    }
    return pods;
  }

  /** The data of Secret or ConfigMap `name` (stringData and base64 data alike). */
  dataOf(kind: "Secret" | "ConfigMap", name: string): Record<string, string> {
    const o = this.objects.find((x) => x.kind === kind && x.metadata.name === name);
    if (!o) throw new Error(`the stack renders no ${kind} ${name}`);
    const decoded =
      kind === "Secret"
        ? Object.fromEntries(
            Object.entries(o.data ?? {}).map(([k, v]) => [k, Buffer.from(v, "base64").toString("utf8")]),
          )
        : (o.data ?? {});
    return { ...decoded, ...(o.stringData ?? {}) };
  }

  /** Every value of every Secret, for the credentials the services are given. */
  secretValues(): string[] {
    return this.objects
      .filter((o) => o.kind === "Secret")
      .flatMap((o) => Object.values(this.dataOf("Secret", o.metadata.name)));
  }

  /** The value of an environment variable of `container`, Secret and ConfigMap references resolved. */
  envValue(e: EnvVar): string {
    if (e.value !== undefined) return e.value;
    const ref = e.valueFrom?.secretKeyRef ?? e.valueFrom?.configMapKeyRef;
    if (!ref) throw new Error(`environment variable ${e.name}: neither a value nor a key reference`);
    const value = this.dataOf(e.valueFrom?.secretKeyRef ? "Secret" : "ConfigMap", ref.name)[ref.key];
    if (value === undefined)
      throw new Error(`environment variable ${e.name}: ${ref.name} has no key ${ref.key}`);
    return value;
  }
}

/**
 * stacks/Pulumi.<stack>.yaml rendered under the mock runtime as `npm run plan` renders it, with
 * `platform:images.overrides` naming the images built here (test/e2e/images/overrides.ts).
 */
export async function renderStack(stack = "local"): Promise<RenderedStack> {
  const file = readStackFile(ROOT, stack);
  const config = { ...file.config };
  const images = JSON.parse(config["platform:images"] ?? "{}") as Record<string, unknown>;
  config["platform:images"] = JSON.stringify({ ...images, overrides: e2eImageOverrides() });
  const run = await runProgram({ stack, config, secretKeys: file.secretKeys });
  if (run.error) throw new Error(`stack ${stack} does not render: ${run.error.message}`);
  return new RenderedStack(
    run.resources.filter(isKubernetesObject).map((r) => reveal(r.state) as KubeObject),
  );
}
