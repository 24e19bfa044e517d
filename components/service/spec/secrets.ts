import { z } from "zod";

// `env` and `secrets` of a service spec: its own plain settings, and the secrets it reads, whose
// values come from the stack (components/service/app-settings.ts, infra/service-settings.ts).

const variableName = z
  .string()
  .regex(/^[A-Z][A-Z0-9_]*$/, "must be an upper-case variable name such as APP_SECRET");

/** `secrets` of a catalog entry, one item. */
export const secretSpecSchema = z
  .strictObject({
    name: variableName.meta({ description: "The environment variable.", examples: ["APP_SECRET"] }),
    description: z
      .string()
      .optional()
      .meta({ description: "What it is for and who issues it.", examples: ["Symfony's kernel secret"] }),
    generate: z
      .strictObject({
        length: z
          .number()
          .int()
          .min(16)
          .max(512)
          .optional()
          .meta({
            description: "Characters of the generated value. Default 64.",
            examples: [64],
            default: 64,
          }),
      })
      .optional()
      .meta({
        description: "Generated with @pulumi/random when the stack sets no value.",
        examples: [{ length: 64 }],
      }),
    optional: z
      .boolean()
      .optional()
      .meta({
        description: "The service starts without it. Default false.",
        examples: [true],
        default: false,
      }),
  })
  .meta({
    description: "A secret the service reads; its value comes from the stack (platform:secrets).",
    examples: [{ name: "JWT_PASSPHRASE" }, { name: "APP_SECRET", generate: { length: 64 } }],
  });

/** `env` of a catalog entry: plain settings. */
export const plainSettingsSchema = z.record(variableName, z.string()).meta({
  description: "Plain settings for the service's ConfigMap; never a credential (the policy pack checks).",
  examples: [{ FEATURE_X: "on" }],
});

/** One secret a service needs (spec: `secrets`). */
export type SecretSpec = z.infer<typeof secretSpecSchema>;
