// What every benchmark script shares: the command line package.json runs the CLIs with, and the
// median (these machines are noisy: figures are medians of cold runs).

import { resolve } from "node:path";

export const ROOT = resolve(__dirname, "..", "..");

/**
 * How package.json runs the CLIs: Node with a 16 MiB young generation (the default is larger than
 * these workloads need: about 80 MiB more peak memory for no speed), the start-up preload, and tsx.
 */
export const NODE_CLI = [
  process.execPath,
  "--max-semi-space-size=16",
  "--require",
  "./tools/fast-start.cjs",
  "--import",
  "tsx",
];

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}
