import { z } from "zod";

// Container sizes: named sizes keep most specs free of numbers; a spec can still give exact ones.
// CPU in millicores and memory in MiB: plain numbers keep arithmetic and validation simple.

export const sizeNames = ["small", "medium", "large"] as const;

export const sizeNameSchema = z.enum(sizeNames).meta({
  description: "A named size: small (100m CPU, 256 MiB), medium (250m, 512 MiB), large (500m, 1024 MiB).",
  examples: ["medium"],
});

export const containerSizeSchema = z
  .strictObject({
    cpuMillis: z
      .number()
      .int()
      .min(10)
      .max(16_000)
      .meta({
        description: "CPU request in millicores (no CPU limit: throttling a PHP request hurts more).",
        examples: [250],
      }),
    memoryMiB: z
      .number()
      .int()
      .min(64)
      .max(65_536)
      .meta({
        description: "Memory request in MiB.",
        examples: [512],
      }),
    memoryLimitMiB: z
      .number()
      .int()
      .min(64)
      .max(65_536)
      .optional()
      .meta({
        description:
          "Memory limit in MiB. Default: the request (no overcommit for PHP workers that grow to memory_limit).",
        examples: [768],
      }),
  })
  .meta({
    description: "Exact requests and limit, when no named size fits.",
    examples: [{ cpuMillis: 250, memoryMiB: 512 }],
  });

export const sizeSchema = z.union([sizeNameSchema, containerSizeSchema]).meta({
  description: "Container size: a named size (small, medium, large) or exact figures.",
  examples: ["small", { cpuMillis: 250, memoryMiB: 512, memoryLimitMiB: 768 }],
});

export type SizeName = z.infer<typeof sizeNameSchema>;
export type ContainerSize = z.infer<typeof containerSizeSchema>;
export type Size = z.infer<typeof sizeSchema>;

export const namedSizes: Readonly<Record<SizeName, ContainerSize>> = {
  small: { cpuMillis: 100, memoryMiB: 256 },
  medium: { cpuMillis: 250, memoryMiB: 512 },
  large: { cpuMillis: 500, memoryMiB: 1024 },
};

export function resolveSize(size: Size): Required<ContainerSize> {
  const s = typeof size === "string" ? namedSizes[size] : size;
  return { cpuMillis: s.cpuMillis, memoryMiB: s.memoryMiB, memoryLimitMiB: s.memoryLimitMiB ?? s.memoryMiB };
}

/** Size of consumers and scheduled jobs that give none. */
export const defaultJobSize: SizeName = "small";
