// Preloaded by tools/bench/fast-start.ts into the process it measures: appends the process's own
// CPU time and peak memory to the file named by PLATFORM_BENCH_USAGE when it exits.
"use strict";
const file = process.env.PLATFORM_BENCH_USAGE;
if (file) {
  process.on("exit", () => {
    const u = process.resourceUsage();
    const line = { cpuMs: (u.userCPUTime + u.systemCPUTime) / 1000, peakRssMiB: u.maxRSS / 1024 };
    require("node:fs").appendFileSync(file, `${JSON.stringify(line)}\n`);
  });
}
