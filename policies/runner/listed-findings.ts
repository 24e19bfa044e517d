// The findings a report lists, within a bound. Many small objects of a merge request can each give
// several findings (100,000 tiny pods: 900,000 findings, a 200 MB report and 1.5 GB of memory; the
// 64 MiB input limit allows six times that). Past MAX_LISTED_FINDINGS the rest are counted per policy
// and level, and the report ends with one finding per policy saying how many were not listed: the
// exit code and the levels stay right, the report and the memory stay bounded.

import type { Violation } from "./analyze";

/** @default 10,000 findings: far above a real stack's, far below what a CI log can take. */
export const MAX_LISTED_FINDINGS = 10_000;

const STACK: Violation["resource"] = { type: "pulumi:pulumi:Stack", name: "stack", urn: "", kind: "Stack" };

export class ListedFindings {
  readonly listed: Violation[] = [];
  private readonly unlisted = new Map<
    string,
    { policy: string; level: Violation["enforcementLevel"]; count: number }
  >();

  constructor(private readonly max = MAX_LISTED_FINDINGS) {}

  /** Lists the finding `make` builds, or only counts it once the list is full. */
  add(policy: string, level: Violation["enforcementLevel"], make: () => Violation): void {
    if (this.listed.length < this.max) {
      this.listed.push(make());
      return;
    }
    const key = `${policy}\u0000${level}`;
    const hit = this.unlisted.get(key);
    if (hit) hit.count++;
    else this.unlisted.set(key, { policy, level, count: 1 });
  }

  /** The listed findings, then one per policy and level counting those not listed. */
  all(): Violation[] {
    const more = [...this.unlisted.values()].map(
      ({ policy, level, count }): Violation => ({
        policy,
        enforcementLevel: level,
        resource: STACK,
        message: `Stack: ${count.toLocaleString("en-US")} more ${policy} findings not listed (a report lists at most ${this.max.toLocaleString("en-US")} findings).`,
      }),
    );
    return more.length === 0 ? this.listed : [...this.listed, ...more];
  }
}
