// `npm run bench:image`: the image audit on a large generated image (about 2 GiB of layers, 50,000
// files), each run in a fresh process measured by GNU time (wall clock and peak RSS). Targets: a
// 2 GB image in under a minute and under 300 MB. The image is generated once into
// ~/.cache/platform/bench-image (delete it to regenerate).

import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, homedir, totalmem } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { median, NODE_CLI, ROOT } from "./cli";
import { type GeneratedImage, generateImage } from "./generated-image";

async function image(totalMiB: number): Promise<GeneratedImage> {
  const dir = join(
    process.env.PLATFORM_CACHE_DIR ?? join(homedir(), ".cache", "platform"),
    `bench-image-${totalMiB}`,
  );
  const marker = join(dir, "generated.json");
  if (existsSync(marker)) return JSON.parse(readFileSync(marker, "utf8")) as GeneratedImage;
  rmSync(dir, { recursive: true, force: true });
  const started = performance.now();
  const generated = await generateImage(dir, totalMiB);
  console.log(`generated ${dir} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  writeFileSync(marker, JSON.stringify(generated));
  return generated;
}

function auditOnce(dir: string): { wallS: number; rssMiB: number; findings: string[] } {
  // The same command line as `npm run policy` (package.json), under GNU time for the peak RSS.
  const result = spawnSync(
    "/usr/bin/time",
    ["-f", "%e %M", ...NODE_CLI, "policies/cli.ts", "image", dir, "--format", "json"],
    { cwd: ROOT, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 },
  );
  if (result.status !== 0 && result.status !== 1)
    throw new Error(`the audit exited ${result.status}: ${result.stderr.slice(-2000)}`);
  const [wall, rssKiB] = (result.stderr.trim().split("\n").pop() ?? "").split(" ").map(Number);
  const report = JSON.parse(result.stdout) as { violations: Array<{ policy: string }> };
  return {
    wallS: wall ?? Number.NaN,
    rssMiB: (rssKiB ?? Number.NaN) / 1024,
    findings: report.violations.map((v) => v.policy),
  };
}

async function main() {
  const { values } = parseArgs({
    options: { runs: { type: "string", default: "3" }, mib: { type: "string", default: "2048" } },
    strict: true,
  });
  const runs = Number(values.runs);
  console.log(
    `machine: ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.versions.node}`,
  );
  const img = await image(Number(values.mib));
  console.log(`image: ${(img.bytesOnDisk / 2 ** 30).toFixed(2)} GiB of layers on disk, ${img.files} files`);
  const samples = Array.from({ length: runs }, () => auditOnce(img.dir));
  const wall = median(samples.map((s) => s.wallS));
  const rss = median(samples.map((s) => s.rssMiB));
  console.log(`findings: ${samples[0]?.findings.join(", ") || "none"} (the planted .env.local must be one)`);
  console.log(`${wall < 60 ? "✓" : "✗"} audit wall, median of ${runs}: ${wall.toFixed(1)} s (target < 60 s)`);
  console.log(
    `${rss < 300 ? "✓" : "✗"} audit peak RSS, median of ${runs}: ${Math.round(rss)} MiB (target < 300 MiB)`,
  );
  if (!samples[0]?.findings.includes("image-dotenv-credentials")) {
    console.error("the planted credential was not found");
    process.exit(1);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
