import { existsSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { loadCatalog } from "../../../infra/catalog/load";
import { backendFilesOf } from "../lib/ephemeral";
import { ownHome, passwdHome } from "../lib/own-home";
import {
  e2eStackFile,
  objectsLeft,
  PART_OF,
  stateNamespaces,
  verifyPlatform,
  viewCluster,
} from "../lib/platform";
import { onCleanup, run as runCommand, tail } from "../lib/proc";
import { projectCopy } from "../lib/project-copy";
import { type Engine, exportState, pulumiMayFail } from "../lib/pulumi";
import { readmeLocalBlock } from "../lib/readme-local";
import { seconds } from "../lib/report";
import type { Environment } from "../lib/setup";
import { ROOT } from "../lib/toolchain";
import { phase, type Run } from "./context";
import { POLICY_PACK } from "./policy-checks";

// 8. The README's local path ("On a local cluster"), its commands as written
// (lib/readme-local.ts), against the e2e's cluster: the command the image loop iterates over,
// then `export PULUMI_CONFIG_PASSPHRASE=…`, `pulumi login --local`, `pulumi stack select
// <stack> --create`, the pack config and `pulumi up` as one sh script. The Docker/kind lines
// cannot run here (no Docker, no kind; kwok pulls no image). It runs after the e2e's own stack
// is destroyed: the README's stack deploys the same namespaces. Where it differs from a laptop:
// - a scratch copy of the project (lib/project-copy.ts), so that `stack select --create` writes
//   its stack file (and encryption salt) there, not into the checkout's stacks/;
// - that copy's stack file is the checkout's as kwok can run it (lib/platform.ts e2eStackFile:
//   emptyDirs, monitoring off), its cluster setting kept: the current context of the e2e's
//   kubeconfig, as `kind create cluster` leaves it;
// - `~` is a directory of this run (lib/own-home.ts), so `pulumi login --local` creates its
//   backend there, with the providers the e2e installed (plugins linked);
// - PULUMI_SKIP_CONFIRMATIONS answers `pulumi up`'s prompt, as the user does.
// Then: the state is in that backend, the cluster holds what it says, and destroy + stack rm.

/** The platform's images of `stack` that the README's loop tags and loads: one per catalog service. */
function expectedAppImages(stack: string): string[] {
  const config = (
    parse(readFileSync(join(ROOT, "stacks", `Pulumi.${stack}.yaml`), "utf8")) as {
      config: Record<string, unknown>;
    }
  ).config;
  const images = config["platform:images"] as { registry: string; tag: string };
  const services = (config["platform:services"] ?? {}) as Record<string, { imageTag?: string }>;
  return loadCatalog()
    .services.map((s) => `${images.registry}/${s.name}:${services[s.name]?.imageTag ?? images.tag}`)
    .sort();
}

/** Existence and modification time of `file` (to show a file of the user's was left alone). */
const fileStamp = (file: string) => (existsSync(file) ? `modified ${statSync(file).mtimeMs}` : "absent");

export async function readmeLocalPath(run: Run, env: Environment): Promise<void> {
  const { checks, log } = run;
  const kube = env.cluster;
  await phase(run, `the README's local path ("On a local cluster"), its commands as written`, async () => {
    const readme = readmeLocalBlock();
    const { stack } = readme;
    log(
      `README local path: cannot run here (no Docker, no kind):\n    ${readme.machineSpecific.join("\n    ")}`,
    );
    run.notes.push(
      `README local path: its Docker/kind lines not run (${readme.machineSpecific.length} lines: no Docker, no kind here; kwok pulls no image)`,
    );
    const dir = join(run.tmp, "readme-local");
    const project = projectCopy(join(dir, "project"));
    writeFileSync(join(project, "stacks", `Pulumi.${stack}.yaml`), e2eStackFile(undefined, stack));
    const checkoutStackFile = join(ROOT, "stacks", `Pulumi.${stack}.yaml`);
    const checkoutStackText = readFileSync(checkoutStackFile, "utf8");

    // The environment of a user's shell: no backend, passphrase or PULUMI_HOME of the e2e (the
    // block sets what it needs); the e2e's engine on PATH, its kubeconfig, no prompts.
    const shell: NodeJS.ProcessEnv = { ...env.engine.env };
    for (const k of ["PULUMI_BACKEND_URL", "PULUMI_CONFIG_PASSPHRASE", "PULUMI_HOME"]) delete shell[k];

    const current = await runCommand("kubectl", ["config", "current-context"], { env: shell });
    checks.that(
      current.stdout.trim() === kube.context,
      `README local path: the current context of the e2e's kubeconfig is the cluster (${kube.context}), as kind leaves it`,
      `current context: ${current.stdout.trim() || current.stderr.trim()}`,
    );

    // The loop's list of images: every catalog service's, nothing else.
    const listed = await runCommand("sh", ["-c", readme.imagesCommand], {
      cwd: project,
      env: shell,
      logFile: run.logFile,
      timeoutMs: 5 * 60_000,
    });
    const images = listed.stdout.split("\n").filter((l) => l.trim() !== "");
    const expected = expectedAppImages(stack);
    checks.that(
      listed.code === 0 && JSON.stringify(images) === JSON.stringify(expected),
      `README local path: \`${readme.imagesCommand}\` prints the image of each of the ${expected.length} catalog services (what the loop tags and kind-loads)`,
      `exit ${listed.code}; printed ${images.join(", ") || "nothing"}; expected ${expected.join(", ")}\n${tail(listed.stderr, 5)}`,
    );

    const own = await ownHome(dir, run.logFile);
    if ("unavailable" in own) {
      run.notes.push(`README local path: pulumi commands SKIPPED (${own.unavailable})`);
      log(`README local path: pulumi commands SKIPPED: ${own.unavailable}`);
      return;
    }
    const { home } = own.home;
    // The providers the e2e installed, where the engine looks without PULUMI_HOME: ~/.pulumi/plugins.
    mkdirSync(join(home, ".pulumi"), { recursive: true });
    symlinkSync(join(env.engine.home, "plugins"), join(home, ".pulumi", "plugins"));
    const userBackend = join(passwdHome(), ".pulumi");
    const userFiles = ["meta.yaml", join("stacks", "platform", `${stack}.json`)].map((f) =>
      join(userBackend, f),
    );
    const userBefore = userFiles.map(fileStamp);

    // What the README's commands did, for the checks, destroy and cleanup: the backend in ~.
    const engine: Engine = {
      ...env.engine,
      home: join(home, ".pulumi"),
      stateDir: home,
      env: {
        ...shell,
        ...readme.exports,
        PULUMI_HOME: join(home, ".pulumi"),
        PULUMI_BACKEND_URL: `file://${home}`,
      },
    };
    let created = false;
    const destroy = async () => {
      const d = await pulumiMayFail(
        engine,
        ["destroy", "--yes", "--non-interactive", "--skip-preview", "-s", stack],
        {
          cwd: project,
          timeoutMs: 20 * 60_000,
        },
      );
      const rm =
        d.code === 0
          ? await pulumiMayFail(engine, ["stack", "rm", "--yes", "-s", stack], { cwd: project })
          : d;
      created = rm.code !== 0;
      return { d, rm };
    };
    onCleanup(`README local stack ${stack}`, async () => {
      if (created) await destroy();
    });

    const script = join(dir, "readme-local.sh");
    writeFileSync(script, `${readme.script.join("\n")}\n`);
    log(
      `README local path: running in a copy of the project, with ~ = ${home}:\n    ${readme.script.join("\n    ")}`,
    );
    const [cmd, args] = own.home.command(script);
    created = true;
    const up = await run.timed(`README local path: export … pulumi up -s ${stack}`, () =>
      runCommand(cmd, args, {
        cwd: project,
        env: shell,
        logFile: run.logFile,
        timeoutMs: 30 * 60_000,
        ...(run.verbose ? { echo: "  | " } : {}),
      }),
    );
    const output = `${up.stdout}\n${up.stderr}`;
    const ok = checks.that(
      up.code === 0,
      `README local path: its ${readme.script.filter((l) => l.trim() && !l.trim().startsWith("#")).length} commands ran as written (sh -e), pulumi up of ${stack} with the pack succeeded in ${seconds(up.ms)}`,
      `exit ${up.code}:\n${tail(output, 30)}`,
    );
    checks.that(
      new RegExp(`${POLICY_PACK}@v[0-9.]+`).test(output),
      `README local path: the engine output names the pack (${POLICY_PACK}@v…): --policy-pack ran it with the config the README writes`,
    );
    const stackFiles = backendFilesOf(home, stack);
    checks.that(
      stackFiles.some((f) => f.endsWith(join("stacks", "platform", `${stack}.json`))),
      `README local path: \`pulumi login --local\` put the state in ~/.pulumi (${join(home, ".pulumi")}), not the user's`,
      `files of ${stack} there: ${stackFiles.join(", ") || "none"}`,
    );
    const copyStackFile = join(project, "stacks", `Pulumi.${stack}.yaml`);
    checks.that(
      /^encryptionsalt: /m.test(readFileSync(copyStackFile, "utf8")),
      `README local path: \`pulumi stack select ${stack} --create\` wrote its encryption salt into the copy's stacks/Pulumi.${stack}.yaml`,
    );
    checks.that(
      JSON.stringify(userFiles.map(fileStamp)) === JSON.stringify(userBefore) &&
        readFileSync(checkoutStackFile, "utf8") === checkoutStackText,
      `README local path: the user's ${userBackend} (meta.yaml, stacks/platform/${stack}.json) and the checkout's stacks/Pulumi.${stack}.yaml unchanged`,
      `before: ${userBefore.join(", ")}; after: ${userFiles.map(fileStamp).join(", ")}`,
    );
    if (ok) {
      const exported = await exportState(engine, stack, project);
      const namespaces = stateNamespaces(exported.resources);
      const view = await viewCluster(kube, namespaces);
      const config = parse(readFileSync(join(project, "stacks", `Pulumi.${stack}.yaml`), "utf8")) as {
        config: Record<string, unknown>;
      };
      verifyPlatform(checks, exported.resources, view, {
        servicesNamespace: String(config.config["platform:namespace"]),
        engineOutput: output,
        label: "README local path",
      });
    }

    const { d, rm } = await run.timed(`README local path: pulumi destroy + stack rm of ${stack}`, destroy);
    checks.that(
      d.code === 0 && rm.code === 0,
      `README local path: pulumi destroy (${seconds(d.ms)}) and stack rm of ${stack}`,
      tail(`${d.stdout}\n${d.stderr}\n${rm === d ? "" : `${rm.stdout}\n${rm.stderr}`}`, 25),
    );
    // `stack rm` keeps the file backend's backups of the state (backups/, *.bak), by design.
    const left = await objectsLeft(kube);
    const stacks = await pulumiMayFail(engine, ["stack", "ls", "--json"], { cwd: project });
    const stateFile = backendFilesOf(home, stack).filter((f) =>
      f.endsWith(join("stacks", "platform", `${stack}.json`)),
    );
    checks.that(
      left.length === 0 &&
        stateFile.length === 0 &&
        stacks.code === 0 &&
        !stacks.stdout.includes(`"${stack}"`),
      `README local path: no object labelled ${PART_OF} left, ${stack} no longer listed and its state file gone`,
      [
        ...left.slice(0, 10),
        ...stateFile,
        stacks.code === 0 ? stacks.stdout.trim() : stacks.stderr.trim(),
      ].join(", "),
    );
  });
}
