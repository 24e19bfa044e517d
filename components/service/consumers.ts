import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { objectLabels, selectorLabels } from "../kube/labels";
import type { StopBeforeMigration } from "./breaking-release";
import { consumeCommand, type ResolvedCommands } from "./commands";
import { type PodTemplateArgs, podTemplate } from "./pod-template";
import { type ConsumerSpec, defaultJobSize } from "./spec";

// One Deployment per message consumer, sized on its own, with a stop timeout long enough for the
// message in hand to finish (Flight's stop_wait_timeout): SIGTERM makes Messenger stop after it.

const DEFAULT_STOP_TIMEOUT_SECONDS = 60;
const DEFAULT_TIME_LIMIT_SECONDS = 3600;

export function consumerCommand(consumer: ConsumerSpec, commands: ResolvedCommands): string[] {
  return consumeCommand(commands, consumer.queues, consumer.timeLimitSeconds ?? DEFAULT_TIME_LIMIT_SECONDS);
}

export interface ConsumerArgs {
  service: string;
  namespace: string;
  consumer: ConsumerSpec;
  commands: ResolvedCommands;
  replicas: number;
  pod: Omit<PodTemplateArgs, "role" | "command" | "size" | "terminationGracePeriodSeconds" | "spread">;
  dependsOn: pulumi.Resource[];
  /**
   * Breaking schema changes: the Deployment is gone before the migration runs.
   * @default - a rolling update after the migration Job (no breaking release)
   */
  stopBeforeMigration?: StopBeforeMigration;
  parent: pulumi.Resource;
}

/** The consumer's Deployment, and a PodDisruptionBudget when it runs more than one replica. */
export function consumerWorkload(args: ConsumerArgs): k8s.apps.v1.Deployment {
  const name = `${args.service}-${args.consumer.name}`;
  const selector = {
    ...selectorLabels(args.service, "worker"),
    "platform.internal/consumer": args.consumer.name,
  };
  const template = podTemplate({
    ...args.pod,
    podLabels: { ...args.pod.podLabels, "platform.internal/consumer": args.consumer.name },
    role: "worker",
    command: consumerCommand(args.consumer, args.commands),
    size: args.consumer.size ?? defaultJobSize,
    terminationGracePeriodSeconds: args.consumer.stopTimeoutSeconds ?? DEFAULT_STOP_TIMEOUT_SECONDS,
    spread: args.replicas > 1,
  });
  const deployment = new k8s.apps.v1.Deployment(
    `${name}-worker`,
    {
      metadata: {
        name,
        namespace: args.namespace,
        labels: { ...objectLabels(args.service, "worker"), ...selector },
        ...(args.stopBeforeMigration ? { annotations: args.stopBeforeMigration.annotations } : {}),
      },
      spec: {
        replicas: args.replicas,
        selector: { matchLabels: selector },
        strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
        revisionHistoryLimit: 5,
        progressDeadlineSeconds: 600,
        template,
      },
    },
    { parent: args.parent, dependsOn: args.dependsOn, ...args.stopBeforeMigration?.options },
  );
  if (args.replicas > 1) {
    // Drains take one consumer at a time; the others keep the queue moving.
    new k8s.policy.v1.PodDisruptionBudget(
      `${name}-worker-pdb`,
      {
        metadata: {
          name,
          namespace: args.namespace,
          labels: { ...objectLabels(args.service, "worker"), ...selector },
        },
        spec: { maxUnavailable: 1, selector: { matchLabels: selector } },
      },
      { parent: args.parent },
    );
  }
  return deployment;
}
