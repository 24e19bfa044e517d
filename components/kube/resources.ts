import type * as k8s from "@pulumi/kubernetes";
import type { Size } from "../service/spec";
import { resolveSize } from "../service/spec";

// Requests and limits from a catalog size. No CPU limit: throttling a PHP request mid-flight hurts
// latency more than a noisy neighbour does; memory is limited because PHP grows to memory_limit.
//
// Every container the platform renders gets its requests here, so a stack can scale them all in
// one place (`platform:requestScale`) to fit a small cluster (a laptop's kind) without touching
// the catalog. Limits are never scaled: the memory limit still protects the node from a leak.

/**
 * A factor, > 0 and ≤ 1, on every CPU and memory request; `undefined` leaves them as sized.
 * Components take it as an optional `requestScale` and hand it here unchanged.
 */
export type RequestScale = number;

/** A scaled CPU request never goes below this (nor above what was asked): a sane share of a core. */
export const MIN_SCALED_CPU_MILLIS = 10;
/** A scaled memory request never goes below this (nor above what was asked). */
export const MIN_SCALED_MEMORY_MIB = 16;

/**
 * `value` times `scale`, rounded up to a whole unit, never below `minimum` (unless `value` itself
 * is smaller: scaling never raises a request). A scale of 1, or none, returns `value` exactly.
 */
export function scaledRequest(value: number, scale: RequestScale | undefined, minimum: number): number {
  if (scale === undefined || scale === 1) return value;
  // The epsilon keeps float noise (300 * 0.07 = 21.000000000000004) from rounding up a whole unit.
  return Math.max(Math.ceil(value * scale - 1e-9), Math.min(value, minimum));
}

/** A container's CPU and memory requests, scaled: `{ cpu: "10m", memory: "26Mi" }`. */
export function scaledRequests(
  size: { cpuMillis: number; memoryMiB: number },
  requestScale: RequestScale | undefined,
): { cpu: string; memory: string } {
  const cpu = scaledRequest(size.cpuMillis, requestScale, MIN_SCALED_CPU_MILLIS);
  const memory = scaledRequest(size.memoryMiB, requestScale, MIN_SCALED_MEMORY_MIB);
  return { cpu: `${cpu}m`, memory: `${memory}Mi` };
}

/**
 * Requests and the memory limit of a container. `requestScale` is required, though it may be
 * `undefined`, so no caller can forget to pass the stack's scale on.
 */
export function resourceRequirements(
  size: Size,
  requestScale: RequestScale | undefined,
): k8s.types.input.core.v1.ResourceRequirements {
  const s = resolveSize(size);
  return {
    requests: scaledRequests(s, requestScale),
    limits: { memory: `${s.memoryLimitMiB}Mi` },
  };
}

/** Requests and limits for infrastructure containers, given directly: the memory limit is the request. */
export function fixedResources(
  cpuMillis: number,
  memoryMiB: number,
  requestScale: RequestScale | undefined,
): k8s.types.input.core.v1.ResourceRequirements {
  return resourceRequirements({ cpuMillis, memoryMiB }, requestScale);
}
