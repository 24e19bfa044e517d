import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ENVIRONMENT_LABEL, EPHEMERAL_LABEL_PREFIX, PART_OF } from "../kube/labels";
import { namespacePeer } from "../kube/network";
import type { EphemeralConfig } from "./ephemeral";

// A namespace the platform owns: labelled for Pod Security and for the policies that read the
// environment, closed by default (deny all, then allow DNS), and bounded by a quota when shared.

export interface NamespaceQuota {
  cpu: string;
  memory: string;
  pods: number;
}

export interface PlatformNamespaceArgs {
  name: string;
  environment: string;
  /** `restricted` for applications; `privileged` only for node-level agents such as a log shipper. */
  podSecurity: "restricted" | "baseline" | "privileged";
  /**
   * Marks the namespace as an ephemeral (per-pipeline) one: pipeline, owner and expiry labels the reaper reads.
   * @default - a long-lived namespace: no ephemeral labels or expiry annotation
   */
  ephemeral?: EphemeralConfig;
  /**
   * A ResourceQuota capping the namespace's requests, memory limits and pod count.
   * @default - no ResourceQuota
   */
  quota?: NamespaceQuota;
  /**
   * Namespaces of test runners allowed to reach every pod (local and CI stacks only).
   * @default - no test-client NetworkPolicy: only the declared paths are open
   */
  testClients?: readonly string[];
}

/** `2026-11-29T18:00:00Z` -> `20261129T180000Z`: a label value cannot hold ':'. */
export function expiryLabelValue(iso: string): string {
  return new Date(iso)
    .toISOString()
    .replace(/\.\d{3}Z$/, "Z")
    .replaceAll("-", "")
    .replaceAll(":", "");
}

export function namespaceLabels(args: PlatformNamespaceArgs): Record<string, string> {
  const labels: Record<string, string> = {
    "app.kubernetes.io/part-of": PART_OF,
    "app.kubernetes.io/managed-by": "pulumi",
    [ENVIRONMENT_LABEL]: args.environment,
    "pod-security.kubernetes.io/enforce": args.podSecurity,
    "pod-security.kubernetes.io/warn": "restricted",
    "pod-security.kubernetes.io/audit": "restricted",
  };
  const e = args.ephemeral;
  if (e) {
    labels[`${EPHEMERAL_LABEL_PREFIX}ephemeral`] = "true";
    labels[`${EPHEMERAL_LABEL_PREFIX}pipeline`] = e.pipeline;
    labels[`${EPHEMERAL_LABEL_PREFIX}owner`] = e.owner;
    if (e.ref) labels[`${EPHEMERAL_LABEL_PREFIX}ref`] = e.ref;
    if (e.commit) labels[`${EPHEMERAL_LABEL_PREFIX}commit`] = e.commit;
    labels[`${EPHEMERAL_LABEL_PREFIX}expires-at`] = expiryLabelValue(e.expiresAt);
  }
  return labels;
}

export class PlatformNamespace extends pulumi.ComponentResource {
  readonly name: pulumi.Output<string>;
  readonly namespace: k8s.core.v1.Namespace;

  constructor(name: string, args: PlatformNamespaceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:namespace:PlatformNamespace", name, {}, opts);
    const annotations: Record<string, string> = args.ephemeral
      ? { [`${EPHEMERAL_LABEL_PREFIX}expires-at`]: new Date(args.ephemeral.expiresAt).toISOString() }
      : {};
    this.namespace = new k8s.core.v1.Namespace(
      name,
      { metadata: { name: args.name, labels: namespaceLabels(args), annotations } },
      { parent: this },
    );
    this.name = this.namespace.metadata.name;
    const inNamespace = { parent: this, dependsOn: [this.namespace] };
    const metadata = (objectName: string) => ({
      name: objectName,
      namespace: args.name,
      labels: { "app.kubernetes.io/part-of": PART_OF, "app.kubernetes.io/managed-by": "pulumi" },
    });

    // Deny everything, in and out; each workload then opens exactly the paths it needs.
    new k8s.networking.v1.NetworkPolicy(
      `${name}-default-deny`,
      { metadata: metadata("default-deny"), spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] } },
      inNamespace,
    );
    new k8s.networking.v1.NetworkPolicy(
      `${name}-allow-dns`,
      {
        metadata: metadata("allow-dns"),
        spec: {
          podSelector: {},
          policyTypes: ["Egress"],
          egress: [
            {
              to: [
                {
                  namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
                  podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
                },
              ],
              ports: [
                { port: 53, protocol: "UDP" },
                { port: 53, protocol: "TCP" },
              ],
            },
          ],
        },
      },
      inNamespace,
    );

    if (args.testClients?.length) {
      // Integration tests call services and backing services directly, from the runner's namespace.
      new k8s.networking.v1.NetworkPolicy(
        `${name}-allow-test-clients`,
        {
          metadata: metadata("allow-test-clients"),
          spec: {
            podSelector: {},
            policyTypes: ["Ingress"],
            ingress: [{ from: args.testClients.map(namespacePeer) }],
          },
        },
        inNamespace,
      );
    }

    if (args.quota) {
      new k8s.core.v1.ResourceQuota(
        `${name}-quota`,
        {
          metadata: metadata("platform-quota"),
          spec: {
            hard: {
              "requests.cpu": args.quota.cpu,
              "requests.memory": args.quota.memory,
              "limits.memory": args.quota.memory,
              pods: String(args.quota.pods),
            },
          },
        },
        inNamespace,
      );
      // Defaults for anything created without requests, so the quota can account for it.
      new k8s.core.v1.LimitRange(
        `${name}-limits`,
        {
          metadata: metadata("platform-limits"),
          spec: {
            limits: [
              {
                type: "Container",
                defaultRequest: { cpu: "50m", memory: "64Mi" },
                default: { memory: "256Mi" },
                max: { memory: "4Gi" },
              },
            ],
          },
        },
        inNamespace,
      );
    }
    this.registerOutputs({ name: this.name });
  }
}
