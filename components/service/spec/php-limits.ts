import { z } from "zod";

// Per-request PHP limits (Flight's request_duration, request_payload, request_memory).

export interface PhpLimits {
  memoryLimitMiB: number;
  maxExecutionSeconds: number;
  uploadMaxMiB: number;
}

/** The defaults, stated once: the schema's descriptions and the components read them from here. */
export const defaultPhpLimits: Readonly<PhpLimits> = {
  memoryLimitMiB: 128,
  maxExecutionSeconds: 30,
  uploadMaxMiB: 10,
};

export const phpLimitsSchema = z
  .strictObject({
    memoryLimitMiB: z
      .number()
      .int()
      .min(32)
      .max(4096)
      .optional()
      .meta({
        description: `PHP memory_limit in MiB; must stay below the web container's memory limit. Default ${defaultPhpLimits.memoryLimitMiB}.`,
        examples: [256],
        default: defaultPhpLimits.memoryLimitMiB,
      }),
    maxExecutionSeconds: z
      .number()
      .int()
      .min(1)
      .max(3600)
      .optional()
      .meta({
        description: `PHP max_execution_time in seconds. Default ${defaultPhpLimits.maxExecutionSeconds}.`,
        examples: [60],
        default: defaultPhpLimits.maxExecutionSeconds,
      }),
    uploadMaxMiB: z
      .number()
      .int()
      .min(1)
      .max(2048)
      .optional()
      .meta({
        description: `upload_max_filesize and post_max_size in MiB. Default ${defaultPhpLimits.uploadMaxMiB}.`,
        examples: [50],
        default: defaultPhpLimits.uploadMaxMiB,
      }),
  })
  .meta({
    description: "Per-request PHP limits; each one defaults on its own.",
    examples: [{ memoryLimitMiB: 256, maxExecutionSeconds: 60 }],
  });

export function resolvePhpLimits(php: Partial<PhpLimits> | undefined): PhpLimits {
  return {
    memoryLimitMiB: php?.memoryLimitMiB ?? defaultPhpLimits.memoryLimitMiB,
    maxExecutionSeconds: php?.maxExecutionSeconds ?? defaultPhpLimits.maxExecutionSeconds,
    uploadMaxMiB: php?.uploadMaxMiB ?? defaultPhpLimits.uploadMaxMiB,
  };
}
