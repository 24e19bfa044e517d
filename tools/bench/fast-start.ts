// Does tools/fast-start.cjs still pay for itself? `npm run bench:fast-start [-- --runs 5 --stack local]`
// plans a stack in fresh processes as `npm run plan` does, alternately with the preload and
// without it (so both see the same machine load), and prints the medians of wall time, CPU time
// (user + system) and peak memory. CPU time is the figure to compare on a loaded machine.

import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { median, NODE_CLI, ROOT } from "./cli";

const { values } = parseArgs({
  options: { runs: { type: "string", default: "5" }, stack: { type: "string", default: "local" } },
  strict: true,
});
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) {
  console.error("--runs takes a whole number of at least 1");
  process.exit(2);
}

const withPreload = NODE_CLI;
const withoutPreload = NODE_CLI.filter((arg, i) => arg !== "--require" && NODE_CLI[i - 1] !== "--require");
const variants = { "with fast-start.cjs": withPreload, without: withoutPreload } as const;

const dir = mkdtempSync(join(tmpdir(), "bench-fast-start-"));
const figures = new Map<string, { wallMs: number[]; cpuMs: number[]; peakRssMiB: number[] }>();
try {
  for (let i = 0; i < runs; i++) {
    for (const [name, node] of Object.entries(variants)) {
      const usage = join(dir, `${i}-${name.length}.jsonl`);
      const [exe, ...args] = node;
      const start = performance.now();
      const r = spawnSync(
        exe as string,
        [
          ...args,
          "--require",
          "./tools/bench/usage-at-exit.cjs",
          "tools/plan.ts",
          "--stack",
          values.stack,
          "--out",
          dir,
        ],
        { cwd: ROOT, env: { ...process.env, PLATFORM_BENCH_USAGE: usage }, encoding: "utf8" },
      );
      const wallMs = performance.now() - start;
      if (r.status !== 0) throw new Error(`plan failed (${name}): ${r.stderr}`);
      const u = JSON.parse(readFileSync(usage, "utf8").trim()) as { cpuMs: number; peakRssMiB: number };
      const f = figures.get(name) ?? { wallMs: [], cpuMs: [], peakRssMiB: [] };
      f.wallMs.push(wallMs);
      f.cpuMs.push(u.cpuMs);
      f.peakRssMiB.push(u.peakRssMiB);
      figures.set(name, f);
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

console.log(`plan ${values.stack}, ${runs} alternating runs each, medians:`);
for (const [name, f] of figures) {
  console.log(
    `  ${name.padEnd(20)} wall ${(median(f.wallMs) / 1000).toFixed(2)} s   CPU ${(median(f.cpuMs) / 1000).toFixed(2)} s   peak ${median(f.peakRssMiB).toFixed(0)} MiB`,
  );
}
