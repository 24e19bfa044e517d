// Secrets never reach a file the plan writes: Pulumi secret wrappers become a marker, and the
// data of Kubernetes Secrets is masked whatever its wrapping. How the engine protocol marks a
// secret is a Pulumi internal (tools/pulumi-internals).

import { SECRET_SIG, SECRET_SIG_KEY } from "../pulumi-internals/secret-wire";

export const REDACTED = "[secret]";

export function wrapSecret(value: unknown): Record<string, unknown> {
  return { [SECRET_SIG_KEY]: SECRET_SIG, value };
}

export function isSecretWrapper(value: unknown): value is { value: unknown } {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as Record<string, unknown>)[SECRET_SIG_KEY] === SECRET_SIG
  );
}

/** Replaces every secret with the marker. */
export function redact(value: unknown): unknown {
  if (isSecretWrapper(value)) return REDACTED;
  if (Array.isArray(value)) return value.map(redact);
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redact(v)]));
  }
  return value;
}

/** Unwraps secrets to plain values (what policies see, as in the real analyzer). */
export function reveal(value: unknown): unknown {
  if (isSecretWrapper(value)) return reveal(value.value);
  if (Array.isArray(value)) return value.map(reveal);
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, reveal(v)]));
  }
  return value;
}

/** A Kubernetes object with Secret data masked, key by key. */
export function redactKubernetesObject(object: Record<string, unknown>): Record<string, unknown> {
  const redacted = redact(object) as Record<string, unknown>;
  if (object.kind !== "Secret") return redacted;
  // Key names stay visible (they document the contract); every value is masked.
  const mask = (data: unknown) => {
    const plain = reveal(data);
    return plain && typeof plain === "object"
      ? Object.fromEntries(Object.keys(plain).map((k) => [k, REDACTED]))
      : REDACTED;
  };
  return {
    ...redacted,
    ...(object.data !== undefined ? { data: mask(object.data) } : {}),
    ...(object.stringData !== undefined ? { stringData: mask(object.stringData) } : {}),
  };
}
