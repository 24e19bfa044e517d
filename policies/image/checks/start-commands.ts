// image-start-commands: an entrypoint or command that migrates the database or clears the cache
// when a container starts. With N replicas that is N concurrent migrations against one schema,
// and a pod that is "starting" for as long as the migration takes (field notes 8: eleven out of
// twelve services migrated in the entrypoint). The platform's release Job migrates, once, before
// the rollout. Entrypoint scripts shipped in the image are read too.

import { fileLabel } from "../describe";
import type { AuditContext, ImageCheck } from "../types";

const START_TASKS: Array<[RegExp, string]> = [
  [/\bdoctrine:migrations:migrate\b|\bd:m:m\b|\bdoctrine:migrations:m\b/, "runs Doctrine migrations"],
  [/\bdoctrine:schema:(update|create)\b/, "changes the database schema"],
  [/\bartisan\s+migrate\b/, "runs Laravel migrations"],
  [/\bcache:clear\b|\bartisan\s+(optimize:clear|cache:clear)\b/, "clears the application cache"],
];

function tasksIn(text: string): string[] {
  const code = text
    .split("\n")
    .filter((l) => !/^\s*#/.test(l))
    .join("\n");
  return START_TASKS.filter(([re]) => re.test(code)).map(([, what]) => what);
}

/** Paths of scripts the container starts: the entrypoint and command words that are absolute paths. */
function startScripts(ctx: AuditContext): string[] {
  const c = ctx.image.config.config;
  const words = [...(c?.Entrypoint ?? []), ...(c?.Cmd ?? [])];
  const workdir = c?.WorkingDir || "/";
  return words
    .filter((w) => /^(\/|\.\/|bin\/|docker\/)[\w./-]+$/.test(w) && !/^\/bin\/(sh|bash|dash)$/.test(w))
    .map((w) => (w.startsWith("/") ? w : `${workdir.replace(/\/$/, "")}/${w.replace(/^\.\//, "")}`));
}

const FIX =
  "Fix: remove it from the image's start; the platform runs the release command (migrations) as a Job that must succeed before the rollout, and the cache is warmed at build time (cache:warmup) into the read-only build directory.";

export const startCommands: ImageCheck = {
  id: "image-start-commands",
  description: "The entrypoint and command do not migrate the database or clear the cache at start.",
  severity: "mandatory",
  wantsContent: (path, ctx) => startScripts(ctx).includes(path),
  onConfig(ctx, report) {
    const c = ctx.image.config.config;
    const argv = [...(c?.Entrypoint ?? []), ...(c?.Cmd ?? [])].join(" ");
    for (const what of tasksIn(argv))
      report({ message: `the image's entrypoint/command ${what} at start. ${FIX}` });
  },
  onFinish(files, ctx, report) {
    for (const path of startScripts(ctx)) {
      const file = files.get(path);
      if (!file?.content) continue;
      for (const what of tasksIn(file.content.toString("utf8")))
        report({ path, layer: file.layer, message: `the start script ${fileLabel(file)} ${what}. ${FIX}` });
    }
  },
};
