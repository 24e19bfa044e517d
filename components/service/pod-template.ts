import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { PodAdditions } from "../backing/types";
import { objectLabels, type ServiceComponentRole, selectorLabels } from "../kube/labels";
import { type RequestScale, resourceRequirements } from "../kube/resources";
import {
  restrictedContainerSecurityContext,
  restrictedPodSecurityContext,
  writablePath,
} from "../kube/security";
import { APP_ROOT } from "./environment";
import type { Size } from "./spec";

// One pod template for every process of a service (web, consumer, migration, scheduled job):
// same image, same environment, same restricted security context. Only the command differs,
// which is what twelve-factor's "admin processes" asks for.

export interface ImageSettings {
  pullPolicy: "IfNotPresent" | "Always";
  /** @default - no `imagePullSecrets` (the node's or workload identity's registry access) */
  pullSecret?: string;
}

export interface PodTemplateArgs {
  service: string;
  role: ServiceComponentRole;
  image: string;
  images: ImageSettings;
  /** @default - the image's ENTRYPOINT (FrankenPHP serving the app) */
  command?: string[];
  /**
   * Commands run one after the other before `command`, each in an init container of the same image.
   * @default - no init containers
   */
  initCommands?: string[][];
  /** @default - no container ports (processes that serve nothing: consumers, jobs) */
  ports?: k8s.types.input.core.v1.ContainerPort[];
  /** @default - no probes (run-to-completion processes) */
  probes?: Pick<k8s.types.input.core.v1.Container, "startupProbe" | "readinessProbe" | "livenessProbe">;
  /** @default - no lifecycle hooks */
  lifecycle?: k8s.types.input.core.v1.Lifecycle;
  /** The process's size: its requests and memory limit. */
  size: Size;
  /**
   * A factor on the CPU and memory requests (the stack's `platform:requestScale`); limits unchanged.
   * @default 1 (requests as sized)
   */
  requestScale?: RequestScale;
  configMapName: pulumi.Input<string>;
  credentialEnv: k8s.types.input.core.v1.EnvVar[];
  /** Variables beyond the ConfigMap and the credentials. @default - none */
  extraEnv?: k8s.types.input.core.v1.EnvVar[];
  serviceAccountName: pulumi.Input<string>;
  podLabels: Record<string, string>;
  additions: PodAdditions;
  terminationGracePeriodSeconds: number;
  /** @default - Kubernetes' own: `Always` (required by Deployments) */
  restartPolicy?: "Always" | "OnFailure" | "Never";
  /** Spread replicas over zones and nodes (long-running, replicated processes only). */
  spread: boolean;
  /** Pod annotations that do not restart anything by themselves. @default - none */
  annotations?: Record<string, string>;
  /**
   * Values whose change must restart the pods (the credentials' version).
   * @default - none
   */
  rolloutAnnotations?: Record<string, pulumi.Input<string>>;
}

/** Paths FrankenPHP and Symfony write to at run time; everything else is read-only. */
const WRITABLE: ReadonlyArray<{ name: string; path: string; sizeLimit?: string }> = [
  { name: "tmp", path: "/tmp", sizeLimit: "256Mi" },
  { name: "caddy-data", path: "/data" },
  { name: "caddy-config", path: "/config" },
  { name: "symfony-cache", path: `${APP_ROOT}/var/cache`, sizeLimit: "256Mi" },
];
const WRITABLE_PATHS = WRITABLE.map((w) => writablePath(w.name, w.path, w.sizeLimit));

/** The paths a service's containers may write to (the image audit checks images against them). */
export const WRITABLE_MOUNT_PATHS: readonly string[] = WRITABLE.map((w) => w.path);

export function podTemplate(args: PodTemplateArgs): k8s.types.input.core.v1.PodTemplateSpec {
  const selector = selectorLabels(args.service, args.role);
  const container: k8s.types.input.core.v1.Container = {
    name: args.role === "web" ? "web" : args.role,
    image: args.image,
    imagePullPolicy: args.images.pullPolicy,
    ...(args.command ? { command: args.command } : {}),
    ...(args.ports ? { ports: args.ports } : {}),
    envFrom: [{ configMapRef: { name: args.configMapName } }],
    env: [...args.credentialEnv, ...(args.extraEnv ?? [])],
    resources: resourceRequirements(args.size, args.requestScale),
    securityContext: restrictedContainerSecurityContext(),
    volumeMounts: [...WRITABLE_PATHS.map((p) => p.mount), ...args.additions.volumeMounts],
    ...(args.probes ?? {}),
    ...(args.lifecycle ? { lifecycle: args.lifecycle } : {}),
  };
  return {
    metadata: {
      labels: { ...objectLabels(args.service, args.role), ...args.podLabels },
      ...(args.annotations || args.rolloutAnnotations
        ? { annotations: { ...args.annotations, ...args.rolloutAnnotations } }
        : {}),
    },
    spec: {
      serviceAccountName: args.serviceAccountName,
      // The token is mounted only when the cloud identity needs it (projected by its webhook).
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      securityContext: restrictedPodSecurityContext({
        // FrankenPHP binds :80 as a non-root user; this sysctl is in the "safe" set that Pod
        // Security restricted allows, unlike the NET_BIND_SERVICE capability route.
        sysctls: [{ name: "net.ipv4.ip_unprivileged_port_start", value: "0" }],
      }),
      terminationGracePeriodSeconds: args.terminationGracePeriodSeconds,
      ...(args.restartPolicy ? { restartPolicy: args.restartPolicy } : {}),
      ...(args.images.pullSecret ? { imagePullSecrets: [{ name: args.images.pullSecret }] } : {}),
      ...(args.initCommands?.length
        ? {
            initContainers: args.initCommands.map((command, i) => ({
              ...container,
              name: `${container.name}-${i + 1}`,
              command,
            })),
          }
        : {}),
      containers: [container],
      volumes: [...WRITABLE_PATHS.map((p) => p.volume), ...args.additions.volumes],
      ...(args.spread
        ? {
            topologySpreadConstraints: [
              {
                maxSkew: 1,
                topologyKey: "topology.kubernetes.io/zone",
                whenUnsatisfiable: "ScheduleAnyway",
                labelSelector: { matchLabels: selector },
              },
              {
                maxSkew: 1,
                topologyKey: "kubernetes.io/hostname",
                whenUnsatisfiable: "ScheduleAnyway",
                labelSelector: { matchLabels: selector },
              },
            ],
          }
        : {}),
    },
  };
}
