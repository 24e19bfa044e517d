// image-env-credentials: a credential in the image config's Env (a Dockerfile `ENV` or `ARG` baked
// into `ENV`). Every container of the image, `docker inspect` and every registry mirror show it:
// the "what survives the build" failure mode, one layer before `composer dump-env`.

import { redact } from "../../lib/report";
import { credentialIn } from "../credentials";
import type { ImageCheck } from "../types";

function instructionSetting(
  history: Array<{ created_by?: string }> | undefined,
  name: string,
): string | undefined {
  const pattern = new RegExp(`\\b(ENV|ARG)\\b.*\\b${name.replace(/[^A-Za-z0-9_]/g, "")}[= ]`);
  const entry = [...(history ?? [])].reverse().find((h) => pattern.test(h.created_by ?? ""));
  // Name the instruction, never its text: it holds the value.
  const keyword = entry ? /\b(ENV|ARG)\b/.exec(entry.created_by ?? "")?.[1] : undefined;
  return keyword ? `${keyword} ${name}=...` : undefined;
}

export const envCredentials: ImageCheck = {
  id: "image-env-credentials",
  description: "No credential in the image config's environment (Dockerfile ENV).",
  severity: "mandatory",
  onConfig(ctx, report) {
    for (const entry of ctx.image.config.config?.Env ?? []) {
      const eq = entry.indexOf("=");
      if (eq <= 0) continue;
      const name = entry.slice(0, eq);
      const value = entry.slice(eq + 1);
      const what = credentialIn(name, value);
      if (!what) continue;
      const from = instructionSetting(ctx.image.config.history, name);
      report({
        message: `the image config's Env sets ${name} to ${what} (${redact(value)})${from ? `, from the instruction "${from}"` : ""}: every container and every \`docker inspect\` of the image shows it. Fix: remove it from the Dockerfile (ENV/ARG); the platform delivers credentials at run time from Secrets (declare it under \`secrets\` in the service's spec); rotate it, it has been exposed.`,
      });
    }
  },
};
