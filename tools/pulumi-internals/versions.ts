import { readFileSync } from "node:fs";

// The SDK versions whose internals this module was checked against. Upgrading either package
// fails test/platform/pulumi-internals.test.ts until someone re-reads the internals listed in
// ./index.ts against the new version and updates these numbers.
export const VERIFIED_VERSIONS = {
  "@pulumi/pulumi": "3.276.0",
  "@pulumi/policy": "1.21.0",
} as const;

export type InternalsPackage = keyof typeof VERIFIED_VERSIONS;

/** The installed version, as its package.json says it (@pulumi/policy writes a leading "v"). */
export function installedVersion(pkg: InternalsPackage): string {
  const file = require.resolve(`${pkg}/package.json`);
  const version: unknown = JSON.parse(readFileSync(file, "utf8")).version;
  return typeof version === "string" ? version.replace(/^v/, "") : "unknown";
}
