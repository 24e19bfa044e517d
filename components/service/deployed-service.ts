import type { LogLevel } from "./log-level";
import type { ReplicaRange, ServiceSpec } from "./spec";

// A service of the catalog as one stack runs it: the spec plus what the stack decided (image,
// replicas, log level). The program computes it (infra/model.ts); PhpService takes it.

export interface DeployedService {
  spec: ServiceSpec;
  image: string;
  /** Web Deployment: the HPA scales between min and max; min === max means no HPA. */
  replicas: ReplicaRange;
  /** Replicas per message consumer, by consumer name. */
  consumerReplicas: Record<string, number>;
  logLevel: LogLevel;
}
