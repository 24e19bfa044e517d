// A Kubernetes quantity as a stack sets one (a quota's CPU and memory): a decimal number with an
// optional milli or binary suffix. Zero is refused (a quota of 0 lets no pod start), and so is a
// value the API server cannot hold (int64 of the smallest unit: milli for CPU, bytes for memory).

const QUANTITY = /^([0-9]+(?:\.[0-9]+)?)(m|Ki|Mi|Gi|Ti)?$/;
const FACTOR: Record<string, number> = {
  "": 1,
  m: 0.001,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
};
/** int64's largest value, the API server's bound on a quantity in its smallest unit. */
const INT64_MAX = 2 ** 63 - 1;

export type QuantityKind = "cpu" | "memory";

/** Why `text` is not a usable quantity of `kind`, or nothing. */
export function quantityProblem(text: string, kind: QuantityKind): string | undefined {
  const match = QUANTITY.exec(text);
  if (!match) return "must be a Kubernetes quantity such as 8, 500m or 16Gi";
  const value = Number(match[1]) * (FACTOR[match[2] ?? ""] ?? 1);
  if (value <= 0) return "must be more than 0: nothing could run";
  const smallest = kind === "cpu" ? value * 1000 : value;
  if (kind === "cpu" && !Number.isInteger(Math.round(smallest * 1e6) / 1e6))
    return "is finer than a millicore (1m)";
  if (smallest > INT64_MAX) return "is larger than Kubernetes can hold";
  return undefined;
}
