import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { stringify } from "yaml";
import type { NetworkPath } from "../backing/types";
import { shortHash } from "../kube/hash";
import { objectLabels, selectorLabels } from "../kube/labels";
import { namespacePeer } from "../kube/network";
import { fixedResources, type RequestScale } from "../kube/resources";
import { restrictedContainerSecurityContext, writablePath } from "../kube/security";
import { loggingImages } from "./images";
import { alloyConfig, type LogPipeline, promtailConfig } from "./pipeline";

// The node agent that ships every container's stdout/stderr to Loki. It reads the kubelet's log
// files, which is the one thing in the platform that needs a hostPath and root: the policy pack
// exempts exactly this DaemonSet, with the reason written in policies/config/default.json.

export const LOG_SHIPPER_NAME = "log-shipper";

export interface LogShipperArgs {
  kind: "alloy" | "promtail";
  /** Namespace the shipper runs in (Pod Security "privileged": it mounts host paths). */
  namespace: pulumi.Input<string>;
  pipeline: LogPipeline;
  /** Where Loki listens, for the shipper's egress. */
  loki: NetworkPath;
  /** The image to run. @default the pinned upstream image of `kind` (`loggingImages`, images.ts) */
  image?: string;
  /**
   * Namespace of the Prometheus that scrapes the shipper's metrics (dropped lines).
   * @default - no ingress to the metrics port (monitoring off)
   */
  scrapedFrom?: string;
  /**
   * The stack's `platform:requestScale`: a factor on the CPU and memory requests of the shipper's container;
   * limits unchanged.
   * @default 1 (requests as sized)
   */
  requestScale?: RequestScale;
}

interface ShipperFlavour {
  configFile: string;
  configText: string;
  args: string[];
  port: number;
  readyPath: string;
  alivePath: string;
  statePath: string;
}

function flavour(args: LogShipperArgs): ShipperFlavour {
  if (args.kind === "alloy") {
    return {
      configFile: "config.alloy",
      configText: alloyConfig(args.pipeline),
      args: [
        "run",
        "/etc/shipper/config.alloy",
        "--storage.path=/var/lib/alloy/data",
        "--server.http.listen-addr=0.0.0.0:12345",
        "--stability.level=generally-available",
      ],
      port: 12345,
      readyPath: "/-/ready",
      alivePath: "/-/healthy",
      statePath: "/var/lib/alloy/data",
    };
  }
  return {
    configFile: "promtail.yaml",
    configText: stringify(promtailConfig(args.pipeline)),
    args: ["-config.file=/etc/shipper/promtail.yaml", "-config.expand-env=true"],
    port: 3101,
    readyPath: "/ready",
    alivePath: "/metrics",
    statePath: "/run/promtail",
  };
}

export class LogShipper extends pulumi.ComponentResource {
  readonly daemonSet: k8s.apps.v1.DaemonSet;

  constructor(name: string, args: LogShipperArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:logging:LogShipper", name, {}, opts);
    const f = flavour(args);
    const labels = objectLabels(LOG_SHIPPER_NAME, "log-shipper");
    const selector = selectorLabels(LOG_SHIPPER_NAME, "log-shipper");
    const parent = { parent: this };

    const account = new k8s.core.v1.ServiceAccount(
      `${name}-sa`,
      { metadata: { name: LOG_SHIPPER_NAME, namespace: args.namespace, labels } },
      parent,
    );
    // Discovery needs to list pods, only in the namespaces it collects.
    for (const ns of args.pipeline.namespaces) {
      const role = new k8s.rbac.v1.Role(
        `${name}-${ns}-reader`,
        {
          metadata: { name: LOG_SHIPPER_NAME, namespace: ns, labels },
          rules: [{ apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch"] }],
        },
        parent,
      );
      new k8s.rbac.v1.RoleBinding(
        `${name}-${ns}-reader`,
        {
          metadata: { name: LOG_SHIPPER_NAME, namespace: ns, labels },
          roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name },
          subjects: [{ kind: "ServiceAccount", name: account.metadata.name, namespace: args.namespace }],
        },
        parent,
      );
    }

    const config = new k8s.core.v1.ConfigMap(
      `${name}-config`,
      { metadata: { namespace: args.namespace, labels }, data: { [f.configFile]: f.configText } },
      parent,
    );
    const tmp = writablePath("tmp", "/tmp");
    const state = writablePath("state", f.statePath, "256Mi");
    this.daemonSet = new k8s.apps.v1.DaemonSet(
      `${name}-daemonset`,
      {
        metadata: { name: LOG_SHIPPER_NAME, namespace: args.namespace, labels },
        spec: {
          selector: { matchLabels: selector },
          updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1 } },
          template: {
            metadata: { labels, annotations: { "platform.internal/config-hash": shortHash(f.configText) } },
            spec: {
              serviceAccountName: account.metadata.name,
              // Reading the kubelet's root-owned log files takes uid 0, nothing more: no
              // capabilities, no privilege escalation, read-only mounts.
              securityContext: { runAsUser: 0, runAsGroup: 0, seccompProfile: { type: "RuntimeDefault" } },
              tolerations: [{ operator: "Exists" }],
              containers: [
                {
                  name: args.kind,
                  image: args.image ?? loggingImages[args.kind],
                  args: f.args,
                  env: [{ name: "NODE_NAME", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } }],
                  ports: [{ name: "http", containerPort: f.port, protocol: "TCP" }],
                  readinessProbe: { httpGet: { path: f.readyPath, port: "http" }, periodSeconds: 10 },
                  livenessProbe: {
                    httpGet: { path: f.alivePath, port: "http" },
                    periodSeconds: 20,
                    failureThreshold: 6,
                  },
                  startupProbe: {
                    httpGet: { path: f.alivePath, port: "http" },
                    periodSeconds: 5,
                    failureThreshold: 24,
                  },
                  resources: fixedResources(50, 128, args.requestScale),
                  securityContext: restrictedContainerSecurityContext({ runAsNonRoot: false, runAsUser: 0 }),
                  volumeMounts: [
                    { name: "config", mountPath: "/etc/shipper", readOnly: true },
                    { name: "pod-logs", mountPath: "/var/log/pods", readOnly: true },
                    tmp.mount,
                    state.mount,
                  ],
                },
              ],
              volumes: [
                { name: "config", configMap: { name: config.metadata.name } },
                { name: "pod-logs", hostPath: { path: "/var/log/pods", type: "Directory" } },
                tmp.volume,
                state.volume,
              ],
            },
          },
        },
      },
      parent,
    );

    new k8s.networking.v1.NetworkPolicy(
      `${name}-network`,
      {
        metadata: { name: LOG_SHIPPER_NAME, namespace: args.namespace, labels },
        spec: {
          podSelector: { matchLabels: selector },
          policyTypes: ["Ingress", "Egress"],
          ingress: args.scrapedFrom
            ? [{ from: [namespacePeer(args.scrapedFrom)], ports: [{ port: f.port, protocol: "TCP" }] }]
            : [],
          egress: [
            { to: args.loki.peers, ports: args.loki.ports },
            // The Kubernetes API for pod discovery; its address is the cluster's, not ours to know.
            {
              ports: [
                { port: 443, protocol: "TCP" },
                { port: 6443, protocol: "TCP" },
              ],
            },
          ],
        },
      },
      parent,
    );
    this.registerOutputs({});
  }
}
