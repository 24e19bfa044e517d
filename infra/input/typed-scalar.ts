import type { z } from "zod";

// A boolean or a number written so that YAML read it as a string (`enabled: yes`, `replicas: "3"`):
// the fix says how to write it, and why `yes` is not a boolean here.

/** YAML 1.1 spellings of booleans: kubectl reads them as booleans, YAML 1.2 (and this program) as strings. */
export const YAML11_BOOLEANS = /^(y|yes|n|no|on|off|true|false)$/i;

/** A boolean or number written as a string (YAML 1.1's `yes`, a quoted `"3"`): how to write it. */
export function typedScalarFix(issue: z.core.$ZodIssue, actual: unknown): string | undefined {
  if (issue.code !== "invalid_type" || typeof actual !== "string") return undefined;
  if (issue.expected === "boolean" && YAML11_BOOLEANS.test(actual))
    return `write true or false, unquoted: ${JSON.stringify(actual)} is a string in YAML 1.2 (only YAML 1.1 reads yes/no/on/off as booleans)`;
  if (issue.expected === "number" && actual.trim() !== "" && Number.isFinite(Number(actual)))
    return `write the number unquoted: ${actual.trim()}`;
  // Any other string: the field's own hint says what it takes.
  return undefined;
}
