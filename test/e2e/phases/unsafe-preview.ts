import { join } from "node:path";
import { run as runCommand, tail } from "../lib/proc";
import { initTemporaryStack, pulumiMayFail, readEvents } from "../lib/pulumi";
import type { Environment } from "../lib/setup";
import { ROOT } from "../lib/toolchain";
import { phase, type Run } from "./context";
import { policyChecks } from "./policy-checks";

// 5. The analyzer says no: fixtures/unsafe/ (a literal DATABASE_PASSWORD and a `php -v` readiness
// probe) fails its preview with exactly those two mandatory violations, echoes no credential and
// creates nothing.

const UNSAFE_DIR = join(ROOT, "test", "e2e", "fixtures", "unsafe");

export async function unsafePreview(run: Run, env: Environment): Promise<void> {
  const { cluster: kube, engine: eng, policyPack } = env;
  const { checks } = run;
  await phase(run, "pulumi preview of test/e2e/fixtures/unsafe with --policy-pack policies", async () => {
    const unsafe = `unsafe-${run.runId}`;
    await initTemporaryStack(eng, unsafe, {
      cwd: UNSAFE_DIR,
      configFile: join(UNSAFE_DIR, `Pulumi.${unsafe}.yaml`),
    });
    const events = join(run.tmp, "unsafe.events.jsonl");
    const preview = await run.timed("pulumi preview of the unsafe program", () =>
      pulumiMayFail(
        eng,
        ["preview", "--non-interactive", "--stack", unsafe, ...policyPack, "--event-log", events],
        { cwd: UNSAFE_DIR, timeoutMs: 10 * 60_000 },
      ),
    );
    const output = `${preview.stdout}\n${preview.stderr}`;
    const report = readEvents(events);
    checks.that(preview.code !== 0, "unsafe: preview failed", `exit ${preview.code}:\n${tail(output, 20)}`);
    policyChecks(checks, "unsafe", report, output);
    const mandatory = [
      ...new Set(
        report.violations.filter((v) => v.enforcementLevel === "mandatory").map((v) => v.policyName),
      ),
    ].sort();
    checks.that(
      JSON.stringify(mandatory) === JSON.stringify(["meaningful-readiness", "no-plaintext-secrets"]),
      "unsafe: exactly no-plaintext-secrets (literal DATABASE_PASSWORD) and meaningful-readiness (`php -v` probe) reported as mandatory",
      `mandatory violations: ${mandatory.join(", ") || "none"}`,
    );
    checks.that(
      !output.includes("correct-horse-battery-staple"),
      "unsafe: the literal credential is not echoed in the engine output",
    );
    const ns = await runCommand("kubectl", ["--context", kube.context, "get", "namespace", "e2e-unsafe"], {
      env: kube.env,
    });
    checks.that(ns.code !== 0, "unsafe: nothing reached the cluster (no namespace e2e-unsafe)");
  });
}
