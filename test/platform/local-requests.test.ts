import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { runProgram } from "../../tools/plan/run";
import { readStackFile } from "../../tools/plan/stack-file";
import { nonEmpty } from "../helpers/non-empty";
import { type StackRequests, stackRequests } from "../helpers/requests";

// The README's "Sized for a laptop": the local stack, every pod at once, fits the cluster it names
// with the room it leaves for the cluster's own pods. The totals come from the rendered local plan
// (its manifests and its chart values), the figures from the README, the scale from the stack file.

const ROOT = join(__dirname, "..", "..");
const NUMBER = String.raw`(\d+(?:\.\d+)?)`;
/** The README's words, wherever its lines break. */
const words = (text: string) => text.split(" ").join(String.raw`\s+`);
const CLAIM = new RegExp(
  String.raw`\*\*Sized for a laptop\.\*\*[^]*?` +
    words(`\x60platform:requestScale: ${NUMBER}\x60`) +
    "[^]*?" +
    words(
      `fits a cluster of ${NUMBER} CPUs and ${NUMBER} GiB with ${NUMBER} CPUs and ${NUMBER} GiB left for the cluster's own pods`,
    ),
);

describe("the local stack's requests, as the README states them", () => {
  const claim = CLAIM.exec(readFileSync(join(ROOT, "README.md"), "utf8"));
  const file = readStackFile(ROOT, "local");
  let requests: StackRequests;

  beforeAll(async () => {
    const run = await runProgram({ stack: "local", config: file.config, secretKeys: file.secretKeys });
    expect(run.error).toBeUndefined();
    requests = stackRequests(run.resources);
  }, 120_000);

  it("the README states the scale, the cluster and the room left", () => {
    expect(
      claim,
      'README.md: the bullet "Sized for a laptop" must keep the form "`platform:requestScale: <x>` ... fits a cluster of <n> CPUs and <n> GiB with <n> CPUs and <n> GiB left for the cluster\'s own pods" (this test checks those figures)',
    ).not.toBeNull();
  });

  it("the README's scale is the local stack file's", () => {
    expect(Number(file.config["platform:requestScale"])).toBe(Number(claim?.[1]));
  });

  it("every pod of the local plan, at once, fits the cluster with the room left for its own pods", () => {
    const [cpus, gib, reservedCpus, reservedGib] = (claim ?? []).slice(2).map(Number);
    nonEmpty(Object.keys(requests.parts), "workloads and charts of the local plan");
    const budget = {
      cpuMillis: ((cpus ?? 0) - (reservedCpus ?? 0)) * 1000,
      memoryMiB: ((gib ?? 0) - (reservedGib ?? 0)) * 1024,
    };
    expect(budget.cpuMillis, "the README leaves the platform some CPU").toBeGreaterThan(0);
    const detail = `local plan requests ${requests.total.cpuMillis}m CPU and ${Math.ceil(requests.total.memoryMiB)}Mi`;
    expect(requests.total.cpuMillis, detail).toBeLessThanOrEqual(budget.cpuMillis);
    expect(requests.total.memoryMiB, detail).toBeLessThanOrEqual(budget.memoryMiB);
  });

  it("every workload the plan renders counts (none is read as requesting nothing)", () => {
    const empty = Object.entries(requests.parts).filter(([, r]) => r.cpuMillis === 0 || r.memoryMiB === 0);
    expect(empty.map(([name]) => name)).toEqual([]);
  });
});
