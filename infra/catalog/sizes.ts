import type { ContainerSize, PhpLimits, Size, SizeName } from "./types";

// Named sizes keep most catalog entries free of numbers; an entry can still give exact ones.

export const namedSizes: Readonly<Record<SizeName, ContainerSize>> = {
  small: { cpuMillis: 100, memoryMiB: 256 },
  medium: { cpuMillis: 250, memoryMiB: 512 },
  large: { cpuMillis: 500, memoryMiB: 1024 },
};

export function resolveSize(size: Size): Required<ContainerSize> {
  const s = typeof size === "string" ? namedSizes[size] : size;
  return { cpuMillis: s.cpuMillis, memoryMiB: s.memoryMiB, memoryLimitMiB: s.memoryLimitMiB ?? s.memoryMiB };
}

export const defaultPhpLimits: Readonly<PhpLimits> = {
  memoryLimitMiB: 128,
  maxExecutionSeconds: 30,
  uploadMaxMiB: 10,
};

export function resolvePhpLimits(php: Partial<PhpLimits> | undefined): PhpLimits {
  return { ...defaultPhpLimits, ...php };
}
