import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { e2eStackFile, stateNamespaces, verifyPlatform, viewCluster } from "../lib/platform";
import { run as runCommand, tail } from "../lib/proc";
import { exportState, initTemporaryStack, pulumiMayFail, readEvents } from "../lib/pulumi";
import { seconds } from "../lib/report";
import { readmeRotation } from "../lib/rotation-command";
import type { Environment } from "../lib/setup";
import { type LocalStack, phase, type Run } from "./context";
import { policyChecks } from "./policy-checks";
import { setFirstSecretValue } from "./secret-rotation";
import { verifyLocalStackSecrets } from "./secrets-stay-secret";

// 4. The local stack on the kwok cluster with the policy pack: the update succeeds, the pack ran
// in the real analyzer, the cluster holds what the state says (verifyPlatform), secrets stay
// secrets, Pod Security refuses a privileged pod, and a preview right after shows no change.

export async function localStackUp(run: Run, env: Environment, stack: LocalStack): Promise<void> {
  const { cluster: kube, engine: eng, policyPack } = env;
  const { checks, log, timed } = run;
  await phase(run, `pulumi up of the local stack (${stack.name}) with --policy-pack policies`, async () => {
    writeFileSync(stack.file, e2eStackFile(kube.context));
    await initTemporaryStack(eng, stack.name, { configFile: stack.file });
    await setFirstSecretValue(env, stack);
    log(
      `stack ${stack.name}: stacks/Pulumi.local.yaml with cluster {source: context, context: ${kube.context}}, backing.persistence ephemeral, replicaCap 1, monitoring off (its chart needs a network); its first ${readmeRotation().key} set with the README's rotation command`,
    );
    const events = join(run.tmp, "up.events.jsonl");
    const up = await timed("pulumi up (preview + update, policy pack)", () =>
      pulumiMayFail(
        eng,
        ["up", "--yes", "--non-interactive", "--stack", stack.name, ...policyPack, "--event-log", events],
        { timeoutMs: 25 * 60_000, ...(run.verbose ? { echo: "  | " } : {}) },
      ),
    );
    const output = `${up.stdout}\n${up.stderr}`;
    const report = readEvents(events);
    stack.up = checks.that(
      up.code === 0,
      `pulumi up succeeded in ${seconds(up.ms)} (${Object.entries(report.resourceChanges)
        .map(([k, v]) => `${v} ${k}`)
        .join(", ")})`,
      `exit ${up.code}:\n${tail(output, 30)}`,
    );
    policyChecks(checks, "up", report, output);
    const mandatory = report.violations.filter((v) => v.enforcementLevel === "mandatory");
    checks.that(
      mandatory.length === 0,
      "up: the policy pack reported no mandatory violation",
      mandatory.map((v) => `${v.policyName} on ${v.resourceUrn ?? "the stack"}`).join(", "),
    );
    const advisory = report.violations.filter((v) => v.enforcementLevel !== "mandatory");
    if (advisory.length > 0) log(`up: advisory findings: ${advisory.map((v) => v.policyName).join(", ")}`);
    if (!stack.up) return;

    const exported = await exportState(eng, stack.name);
    const state = exported.resources;
    const namespaces = stateNamespaces(state);
    const view = await viewCluster(kube, namespaces);
    verifyPlatform(checks, state, view, { servicesNamespace: "platform", engineOutput: output, label: "up" });
    await verifyLocalStackSecrets(run, env, stack, {
      label: "up",
      namespaces,
      exportedState: exported.text,
      output,
      events,
    });
    // Enforcement, not only a label: a privileged pod is refused in the services' namespace.
    const probe = await runCommand(
      "kubectl",
      [
        "--context",
        kube.context,
        "-n",
        "platform",
        "run",
        "psa-probe",
        "--image=registry.localhost:5000/probe:1",
        "--privileged",
        "--dry-run=server",
      ],
      { env: kube.env, logFile: run.logFile },
    );
    checks.that(
      probe.code !== 0 && /violates PodSecurity/.test(probe.stderr),
      'up: Pod Security admission refuses a privileged pod in namespace platform ("violates PodSecurity")',
      `kubectl run --privileged --dry-run=server: exit ${probe.code} ${tail(probe.stderr, 3)}`,
    );
    const again = await timed("pulumi preview --expect-no-changes", () =>
      pulumiMayFail(
        eng,
        ["preview", "--non-interactive", "--stack", stack.name, "--expect-no-changes", "--diff"],
        { timeoutMs: 10 * 60_000 },
      ),
    );
    checks.that(
      again.code === 0,
      `preview after up shows no changes (${seconds(again.ms)}): the provider reads back what it applied`,
      tail(`${again.stdout}\n${again.stderr}`, 40),
    );
  });
}
