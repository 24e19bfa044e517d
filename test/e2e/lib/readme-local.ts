import { readFileSync } from "node:fs";
import { join } from "node:path";
import { E2EError } from "./proc";
import { ROOT } from "./toolchain";

// The README's local path ("Running it for real" → "On a local cluster"), as the e2e runs it:
// the first sh block of that section, read from the README itself. Its lines fall in two groups.
// Machine-specific steps (`kind …`, `docker …`, and the loop that tags and loads every image)
// need Docker and kind, which the e2e's machine does not have; the e2e runs only the command the
// loop iterates over (`npm run -s images -- --stack <stack> --app`). The rest (`export`,
// `pulumi …`, `npm run …`, to the end of the block) the e2e runs as one sh script, word for word.
// Anything else is refused here, naming the line, so that an edit the e2e cannot run fails the
// unit test instead of being skipped silently.

export const SECTION = "### On a local cluster";

export interface ReadmeLocalBlock {
  /** The stack every command of the block names (`-s`/`--stack`). */
  stack: string;
  /** The command whose output the image loop iterates over, as written. */
  imagesCommand: string;
  /** The block's lines the e2e cannot run (Docker, kind), as written. */
  machineSpecific: string[];
  /** The block's tail the e2e runs as one sh script, as written (comments included). */
  script: string[];
  /** Variables the script exports (name → value, as written). */
  exports: Record<string, string>;
}

const MACHINE = /^(kind|docker)\s/;
const LOOP_START = /^for\s+\w+\s+in\s+\$\((.*)\);\s*do$/;
const RUNNABLE = /^(export\s|pulumi\s|npm run\s)/;
const EXPORT = /^export\s+([A-Z_][A-Z0-9_]*)=(\S+)(\s+#.*)?$/;
const IMAGES = /^npm run -s images -- .*--app\b/;
const STACK_FLAG = /(?:^|\s)(?:-s|--stack)\s+(\S+)/g;

function refuse(why: string): never {
  throw new E2EError(`README.md, "${SECTION}": ${why}`);
}

/** The section's first sh block, its lines without trailing blanks. */
function blockLines(readme: string): string[] {
  const at = readme.indexOf(SECTION);
  if (at < 0) refuse("section not found");
  const next = readme.indexOf("\n### ", at + SECTION.length);
  const section = readme.slice(at, next < 0 ? undefined : next);
  const block = /```sh\n([\s\S]*?)```/.exec(section);
  if (!block?.[1]) refuse("no ```sh block in the section");
  return block[1].replace(/\n+$/, "").split("\n");
}

export function readmeLocalBlock(readme = readFileSync(join(ROOT, "README.md"), "utf8")): ReadmeLocalBlock {
  const lines = blockLines(readme);
  const machineSpecific: string[] = [];
  const images: string[] = [];
  let scriptFrom = -1;
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? "").trim();
    if (line === "" || line.startsWith("#")) continue;
    const loop = LOOP_START.exec(line);
    if (loop) {
      // The loop's body tags and loads images: machine-specific, up to its `done`.
      const end = lines.findIndex((l, j) => j > i && l.trim() === "done");
      if (end < 0) refuse(`the loop \`${line}\` has no \`done\``);
      const body = lines.slice(i + 1, end).map((l) => l.trim());
      const foreign = body.find((l) => l !== "" && !MACHINE.test(l));
      if (foreign) refuse(`the loop's body line \`${foreign}\` is not a docker/kind step the e2e can skip`);
      images.push((loop[1] ?? "").trim());
      machineSpecific.push(...lines.slice(i, end + 1));
      if (scriptFrom >= 0) refuse(`the loop \`${line}\` comes after a command the e2e runs`);
      i = end;
      continue;
    }
    if (MACHINE.test(line)) {
      if (scriptFrom >= 0)
        refuse(
          `\`${line}\` (Docker/kind, which the e2e cannot run) comes after a command the e2e runs; the e2e runs the block's tail from its first export/pulumi/npm line as one script`,
        );
      machineSpecific.push(lines[i] ?? "");
      continue;
    }
    if (!RUNNABLE.test(line))
      refuse(
        `\`${line}\` is neither a Docker/kind step (skipped by the e2e) nor a command it runs (export, pulumi, npm run)`,
      );
    if (scriptFrom < 0) scriptFrom = i;
  }
  if (scriptFrom < 0) refuse("no command the e2e can run (export, pulumi, npm run)");
  const script = lines.slice(scriptFrom);
  const commands = script.map((l) => l.trim()).filter((l) => l !== "" && !l.startsWith("#"));

  const [imagesCommand, ...moreImages] = images;
  if (!imagesCommand || moreImages.length > 0 || !IMAGES.test(imagesCommand))
    refuse(
      "expected one loop over `$(npm run -s images -- --stack <stack> --app)` tagging and loading the services' images",
    );

  const exports: Record<string, string> = {};
  for (const c of commands.filter((l) => l.startsWith("export"))) {
    const m = EXPORT.exec(c);
    if (!m) refuse(`\`${c}\`: expected export NAME=value (one variable, no quotes)`);
    exports[m[1] ?? ""] = m[2] ?? "";
  }
  if (!exports.PULUMI_CONFIG_PASSPHRASE)
    refuse("expected `export PULUMI_CONFIG_PASSPHRASE=…` (the local backend encrypts secrets with it)");

  const logins = commands.filter((c) => /^pulumi login\b/.test(c));
  if (logins.length !== 1 || logins[0] !== "pulumi login --local")
    refuse(
      `expected exactly one \`pulumi login --local\` (the e2e contains the local backend in its own directory; it cannot log in anywhere else), found: ${logins.join("; ") || "none"}`,
    );
  const ups = commands.filter((c) => /^pulumi up\b/.test(c));
  const up = ups[0];
  if (
    ups.length !== 1 ||
    !up ||
    !/\s--policy-pack\s+\S/.test(up) ||
    !/\s--policy-pack-config\s+\S/.test(up) ||
    /\s(--yes|-y|--skip-preview|-f)\b/.test(up) ||
    commands.indexOf(up) !== commands.length - 1
  )
    refuse(
      "expected the block to end with one `pulumi up -s <stack> --policy-pack policies --policy-pack-config <file>` (the pack needs its config; the e2e confirms the update with PULUMI_SKIP_CONFIRMATIONS, as a user answers the prompt)",
    );

  // npm's own -s (silent) is not a stack: an npm script's arguments follow its `--`.
  const argsOf = (c: string) => (c.startsWith("npm ") ? c.slice(c.indexOf(" -- ") + 3) : c);
  const stacks = new Set(
    [imagesCommand, ...commands].flatMap((c) => [...argsOf(c).matchAll(STACK_FLAG)].map((m) => m[1])),
  );
  const selects = commands.map((c) => /^pulumi stack select (\S+) --create$/.exec(c)?.[1]).filter(Boolean);
  for (const s of selects) stacks.add(s);
  const [stack, ...others] = [...stacks];
  if (!stack || others.length > 0 || !/\s(-s|--stack)\s/.test(up))
    refuse(
      `every command must name the same stack with -s/--stack (pulumi up included); found: ${[...stacks].join(", ") || "none"}`,
    );
  return { stack, imagesCommand, machineSpecific, script, exports };
}
