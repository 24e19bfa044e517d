import { main } from "../../policies/cli";

// `npm run policy -- check <args>` in this process, the report discarded: prints the exit code, the
// CPU time and the peak memory of the whole process (the caller measures the wall time).

async function run() {
  let bytes = 0;
  const code = await main(process.argv.slice(2), {
    stdout: (t) => {
      bytes += t.length;
    },
    stderr: (t) => {
      process.stderr.write(t);
    },
    readStdin: () => "",
  });
  const usage = process.resourceUsage();
  console.log(
    JSON.stringify({
      code,
      reportChars: bytes,
      cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000,
      peakRssMiB: usage.maxRSS / 1024,
    }),
  );
}

run().catch((error) => {
  console.error(error);
  process.exit(1);
});
