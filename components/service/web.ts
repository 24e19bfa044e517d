import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { objectLabels, selectorLabels, serviceLabels } from "../kube/labels";
import type { StopBeforeMigration } from "./breaking-release";
import { HTTP_PORT, METRICS_PORT } from "./environment";
import { type PodTemplateArgs, podTemplate } from "./pod-template";
import { webProbes } from "./probes";
import type { ReplicaRange, ServiceSpec } from "./spec";
import { resolvePhpLimits } from "./spec";

// The web Deployment (FrankenPHP), its Service, and, when it can run more than one replica, the
// HorizontalPodAutoscaler and PodDisruptionBudget that go with that.

/** Seconds between "taken out of the endpoints" and SIGTERM, so no request lands on a dying pod. */
export const PRE_STOP_SECONDS = 5;

/** The web Deployment's rollout settings. */
export const ROLLOUT = {
  /** A new pod must stay ready this long before it counts as available (catches early crashes). */
  minReadySeconds: 5,
  /** Old ReplicaSets kept for `kubectl rollout undo`. */
  revisionHistoryLimit: 5,
  /** A rollout without progress for this long is marked failed (`pulumi up` reports it). */
  progressDeadlineSeconds: 600,
} as const;

/** The autoscaler: scale out above this average CPU use of the requests. */
export const HPA_TARGET_CPU_UTILIZATION = 70;
/** The autoscaler waits this long of low load before removing pods (no flapping after a spike). */
export const HPA_SCALE_DOWN_STABILIZATION_SECONDS = 300;

export interface WebArgs {
  spec: ServiceSpec;
  namespace: string;
  replicas: ReplicaRange;
  pod: Omit<
    PodTemplateArgs,
    "role" | "ports" | "probes" | "lifecycle" | "size" | "terminationGracePeriodSeconds" | "spread"
  >;
  /** The rollout starts only after these (the migration Job). */
  dependsOn: pulumi.Resource[];
  /**
   * Breaking schema changes: the Deployment is gone before the migration runs.
   * @default - a rolling update after the migration Job (no breaking release)
   */
  stopBeforeMigration?: StopBeforeMigration;
  parent: pulumi.Resource;
}

export interface WebResources {
  deployment: k8s.apps.v1.Deployment;
  service: k8s.core.v1.Service;
  autoscaler?: k8s.autoscaling.v2.HorizontalPodAutoscaler;
  disruptionBudget?: k8s.policy.v1.PodDisruptionBudget;
}

export function webWorkload(args: WebArgs): WebResources {
  const { spec, namespace, replicas } = args;
  const name = spec.name;
  const scales = replicas.max > 1;
  const autoscaled = replicas.max > replicas.min;
  const php = resolvePhpLimits(spec.php);
  const selector = selectorLabels(name, "web");
  const opts = { parent: args.parent };

  const template = podTemplate({
    ...args.pod,
    role: "web",
    ports: [
      { name: "http", containerPort: HTTP_PORT, protocol: "TCP" },
      { name: "metrics", containerPort: METRICS_PORT, protocol: "TCP" },
    ],
    probes: webProbes(spec.readinessPath),
    lifecycle: { preStop: { sleep: { seconds: PRE_STOP_SECONDS } } },
    size: spec.web.size,
    // Let the longest allowed request finish after the pre-stop pause.
    terminationGracePeriodSeconds: Math.max(30, PRE_STOP_SECONDS + php.maxExecutionSeconds + 5),
    spread: scales,
    annotations: {
      "prometheus.io/scrape": "true",
      "prometheus.io/port": String(METRICS_PORT),
      "prometheus.io/path": "/metrics",
    },
  });

  // `breaking` schema changes: old pods must not run against the new schema, so stop them first.
  const strategy: k8s.types.input.apps.v1.DeploymentStrategy =
    spec.database?.schemaChanges === "breaking"
      ? { type: "Recreate" }
      : { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } };

  const deployment = new k8s.apps.v1.Deployment(
    `${name}-web`,
    {
      metadata: {
        name,
        namespace,
        labels: objectLabels(name, "web"),
        ...(args.stopBeforeMigration ? { annotations: args.stopBeforeMigration.annotations } : {}),
      },
      spec: {
        // With an autoscaler the replica count is its to own; a fixed count otherwise.
        ...(autoscaled ? {} : { replicas: replicas.min }),
        selector: { matchLabels: selector },
        strategy,
        ...ROLLOUT,
        template,
      },
    },
    { ...opts, dependsOn: args.dependsOn, ...args.stopBeforeMigration?.options },
  );

  const service = new k8s.core.v1.Service(
    `${name}-service`,
    {
      metadata: { name, namespace, labels: serviceLabels(name) },
      spec: {
        type: "ClusterIP",
        selector,
        ports: [{ name: "http", port: HTTP_PORT, targetPort: "http", protocol: "TCP" }],
      },
    },
    opts,
  );

  const result: WebResources = { deployment, service };
  if (autoscaled) {
    result.autoscaler = new k8s.autoscaling.v2.HorizontalPodAutoscaler(
      `${name}-web-hpa`,
      {
        metadata: { name, namespace, labels: objectLabels(name, "web") },
        spec: {
          scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name },
          minReplicas: replicas.min,
          maxReplicas: replicas.max,
          metrics: [
            {
              type: "Resource",
              resource: {
                name: "cpu",
                target: { type: "Utilization", averageUtilization: HPA_TARGET_CPU_UTILIZATION },
              },
            },
          ],
          behavior: { scaleDown: { stabilizationWindowSeconds: HPA_SCALE_DOWN_STABILIZATION_SECONDS } },
        },
      },
      { ...opts, dependsOn: [deployment] },
    );
  }
  if (scales) {
    // One pod at a time may go during node drains; never zero (a budget that blocks drains).
    result.disruptionBudget = new k8s.policy.v1.PodDisruptionBudget(
      `${name}-web-pdb`,
      {
        metadata: { name, namespace, labels: objectLabels(name, "web") },
        spec: { maxUnavailable: 1, selector: { matchLabels: selector } },
      },
      opts,
    );
  }
  return result;
}
