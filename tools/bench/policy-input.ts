import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { median, NODE_CLI, ROOT } from "./cli";
import { generatedObjects } from "./generated-objects";

// `npm run bench:policy-input`: what untrusted input costs `npm run policy -- check`. Prints medians
// of cold runs (a fresh process each, the command line of package.json) with the targets beside them:
// 100,000 generated objects (wall, CPU, peak memory), the 622-byte alias bomb, endless stdin, a FIFO.

const ms = (n: number) => (n >= 1000 ? `${(n / 1000).toFixed(2)} s` : `${Math.round(n)} ms`);

let missed = 0;
function report(what: string, value: string, target = "", ok?: boolean) {
  if (ok === false) missed++;
  const mark = ok === undefined ? " " : ok ? "✓" : "✗";
  console.log(`${mark} ${what.padEnd(60)} ${value.padEnd(28)} ${target}`);
}

interface Once {
  wallMs: number;
  code: number;
  cpuMs: number;
  peakRssMiB: number;
}

function checkOnce(args: string[]): Once {
  const started = performance.now();
  const r = spawnSync(
    NODE_CLI[0] as string,
    [...NODE_CLI.slice(1), "tools/bench/policy-check-once.ts", "check", ...args],
    { cwd: ROOT, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 },
  );
  const wallMs = performance.now() - started;
  const line = r.stdout.trim().split("\n").pop() ?? "";
  if (!line.startsWith("{")) throw new Error(`policy-check-once failed: ${r.stderr.slice(0, 2000)}`);
  return { wallMs, ...(JSON.parse(line) as Omit<Once, "wallMs">) };
}

function cliOnce(args: string[], input?: string): { wallMs: number; status: number | null; stderr: string } {
  const started = performance.now();
  const r = spawnSync(NODE_CLI[0] as string, [...NODE_CLI.slice(1), "policies/cli.ts", "check", ...args], {
    cwd: ROOT,
    encoding: "utf8",
    input,
    timeout: 120_000,
  });
  return { wallMs: performance.now() - started, status: r.status, stderr: r.stderr };
}

/** `yes 'a: b' | npm run policy -- check -`: time until the CLI refuses endless stdin. */
function endlessStdin(): Promise<{ wallMs: number; status: number | null }> {
  return new Promise((done) => {
    const started = performance.now();
    const child = spawn(NODE_CLI[0] as string, [...NODE_CLI.slice(1), "policies/cli.ts", "check", "-"], {
      cwd: ROOT,
      stdio: ["pipe", "ignore", "ignore"],
    });
    const chunk = Buffer.from("a: b\n".repeat(20_000));
    let open = true;
    child.stdin.on("error", () => {
      open = false;
    });
    const feed = () => {
      while (open && child.stdin.write(chunk));
      if (open) child.stdin.once("drain", feed);
    };
    feed();
    child.on("close", (status) => done({ wallMs: performance.now() - started, status }));
  });
}

/** The classic "billion laughs" (9 levels of 9 aliases: 9^9 strings), as a ConfigMap's data. */
function aliasBomb(): string {
  const lines = ["apiVersion: v1", "kind: ConfigMap", "metadata: {name: laughs}", "data:"];
  lines.push(`  a: &a [${Array(9).fill('"lol"').join(", ")}]`);
  const names = "abcdefghi";
  for (let i = 1; i < names.length; i++) {
    const alias = `*${names[i - 1]}`;
    lines.push(`  ${names[i]}: &${names[i]} [${Array(9).fill(alias).join(", ")}]`);
  }
  return `${lines.join("\n")}\n`;
}

async function main() {
  const { values } = parseArgs({
    options: { runs: { type: "string", default: "3" }, objects: { type: "string", default: "100000" } },
    strict: true,
  });
  const runs = Number(values.runs);
  const count = Number(values.objects);
  console.log(
    `machine: ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.versions.node}, load average ${loadavg()[0]?.toFixed(1)}`,
  );
  console.log(`${runs} run(s) per figure; medians\n`);

  const dir = mkdtempSync(join(tmpdir(), "bench-input-"));
  const file = join(dir, `objects-${count}.yaml`);
  const text = generatedObjects(count);
  writeFileSync(file, text);
  const samples = Array.from({ length: runs }, () => checkOnce([file, "--format", "json"]));
  if (samples.some((s) => s.code === 2)) throw new Error("the generated objects were refused");
  const wall = median(samples.map((s) => s.wallMs));
  const cpu = median(samples.map((s) => s.cpuMs));
  const rss = median(samples.map((s) => s.peakRssMiB));
  const mib = (Buffer.byteLength(text) / 2 ** 20).toFixed(1);
  report(
    `check ${count.toLocaleString("en-US")} objects (${mib} MiB): wall`,
    ms(wall),
    "< 10 s",
    wall < 10_000,
  );
  report(`check ${count.toLocaleString("en-US")} objects: CPU (user + system)`, ms(cpu));
  report(
    `check ${count.toLocaleString("en-US")} objects: peak memory`,
    `${Math.round(rss)} MiB`,
    "< 500 MiB",
    rss < 500,
  );

  // Process start-up dominates the small cases: compare with checking one small object.
  const oneFile = join(dir, "one.yaml");
  writeFileSync(oneFile, "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n");
  const baseline = median(Array.from({ length: runs }, () => cliOnce([oneFile]).wallMs));
  report("baseline: check one small object (process start-up), wall", ms(baseline));
  const bombFile = join(dir, "bomb.yaml");
  const bomb = aliasBomb();
  writeFileSync(bombFile, bomb);
  const bombRuns = Array.from({ length: runs }, () => cliOnce([bombFile]));
  const bombWall = median(bombRuns.map((r) => r.wallMs));
  report(
    `${bomb.length}-byte alias bomb (9^9 nodes): refused (exit ${bombRuns[0]?.status}), wall`,
    ms(bombWall),
    "exit 2, < baseline + 0.5 s",
    bombRuns.every((r) => r.status === 2) && bombWall < baseline + 500,
  );

  const endless = [];
  for (let i = 0; i < runs; i++) endless.push(await endlessStdin());
  const endlessWall = median(endless.map((r) => r.wallMs));
  report(
    `endless stdin: refused at the 64 MiB limit (exit ${endless[0]?.status}), wall`,
    ms(endlessWall),
    "exit 2",
    endless.every((r) => r.status === 2),
  );

  const fifo = join(dir, "pipe.yaml");
  if (spawnSync("mkfifo", [fifo]).status === 0) {
    const r = cliOnce([fifo]);
    report(
      `a FIFO argument: refused (exit ${r.status}), wall`,
      ms(r.wallMs),
      "exit 2, no wait",
      r.status === 2,
    );
  }

  console.log(`\n${missed === 0 ? "every target met" : `${missed} target(s) missed`}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
