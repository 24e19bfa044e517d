import type * as k8s from "@pulumi/kubernetes";
import type { Size } from "../service/spec";
import { resolveSize } from "../service/spec";

// Requests and limits from a catalog size. No CPU limit: throttling a PHP request mid-flight hurts
// latency more than a noisy neighbour does; memory is limited because PHP grows to memory_limit.

export function resourceRequirements(size: Size): k8s.types.input.core.v1.ResourceRequirements {
  const s = resolveSize(size);
  return {
    requests: { cpu: `${s.cpuMillis}m`, memory: `${s.memoryMiB}Mi` },
    limits: { memory: `${s.memoryLimitMiB}Mi` },
  };
}

/** Requests and limits for infrastructure containers, given directly. */
export function fixedResources(
  cpuMillis: number,
  memoryMiB: number,
): k8s.types.input.core.v1.ResourceRequirements {
  return resourceRequirements({ cpuMillis, memoryMiB });
}
