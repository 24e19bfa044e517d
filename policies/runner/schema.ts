// The JSON-schema subset CrossGuard's configSchema uses, validated the way the Pulumi CLI does before
// it starts a pack (gojsonschema): a config that fails is refused with one line per error.

import type { PolicyConfigJSONSchema, PolicyConfigJSONSchemaDefinition } from "@pulumi/policy/schema";

function typeOf(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  return typeof v;
}

function typeMatches(expected: string, actual: string): boolean {
  return expected === actual || (expected === "number" && actual === "integer");
}

function equal(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Validates `value` against `schema`; returns messages like `exemptions.0: justification is required`. */
export function validate(
  schema: PolicyConfigJSONSchemaDefinition,
  value: unknown,
  path = "(root)",
): string[] {
  if (schema === true) return [];
  if (schema === false) return [`${path}: no value is allowed here`];
  const s: PolicyConfigJSONSchema = schema;
  const errors: string[] = [];
  const actual = typeOf(value);
  if (s.type !== undefined) {
    const types = Array.isArray(s.type) ? s.type : [s.type];
    if (!types.some((t) => typeMatches(t, actual))) {
      return [`${path}: Invalid type. Expected: ${types.join(" or ")}, given: ${actual}`];
    }
  }
  if (s.enum !== undefined && !s.enum.some((e) => equal(e, value))) {
    errors.push(`${path}: must be one of ${s.enum.map((e) => JSON.stringify(e)).join(", ")}`);
  }
  if (s.const !== undefined && !equal(s.const, value))
    errors.push(`${path}: does not match ${JSON.stringify(s.const)}`);
  if (typeof value === "string") {
    if (s.minLength !== undefined && [...value].length < s.minLength) {
      errors.push(`${path}: String length must be greater than or equal to ${s.minLength}`);
    }
    if (s.maxLength !== undefined && [...value].length > s.maxLength) {
      errors.push(`${path}: String length must be less than or equal to ${s.maxLength}`);
    }
    if (s.pattern !== undefined && !new RegExp(s.pattern, "u").test(value)) {
      errors.push(`${path}: Does not match pattern '${s.pattern}'`);
    }
  }
  if (typeof value === "number") {
    if (s.minimum !== undefined && value < s.minimum)
      errors.push(`${path}: Must be greater than or equal to ${s.minimum}`);
    if (s.maximum !== undefined && value > s.maximum)
      errors.push(`${path}: Must be less than or equal to ${s.maximum}`);
    if (s.exclusiveMinimum !== undefined && value <= s.exclusiveMinimum)
      errors.push(`${path}: Must be greater than ${s.exclusiveMinimum}`);
    if (s.exclusiveMaximum !== undefined && value >= s.exclusiveMaximum)
      errors.push(`${path}: Must be less than ${s.exclusiveMaximum}`);
  }
  if (Array.isArray(value)) {
    if (s.minItems !== undefined && value.length < s.minItems)
      errors.push(`${path}: Array must have at least ${s.minItems} items`);
    if (s.maxItems !== undefined && value.length > s.maxItems)
      errors.push(`${path}: Array must have at most ${s.maxItems} items`);
    if (s.items !== undefined) {
      const items = s.items;
      value.forEach((item, i) => {
        const itemSchema = Array.isArray(items) ? items[i] : items;
        if (itemSchema !== undefined)
          errors.push(...validate(itemSchema, item, `${path === "(root)" ? "" : `${path}.`}${i}`));
      });
    }
  }
  if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    const obj = value as Record<string, unknown>;
    const prefix = path === "(root)" ? "" : `${path}.`;
    for (const req of s.required ?? []) {
      if (!Object.hasOwn(obj, req)) errors.push(`${path}: ${req} is required`);
    }
    for (const [k, v] of Object.entries(obj)) {
      const propSchema = s.properties?.[k];
      if (propSchema !== undefined) {
        errors.push(...validate(propSchema, v, `${prefix}${k}`));
      } else if (s.additionalProperties === false) {
        errors.push(`${path}: Additional property ${k} is not allowed`);
      } else if (s.additionalProperties !== undefined && s.additionalProperties !== true) {
        errors.push(...validate(s.additionalProperties, v, `${prefix}${k}`));
      }
    }
  }
  return errors;
}
