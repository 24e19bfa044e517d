// image-non-root-user: the image's USER must be set and not root. The platform runs every pod as
// a non-root UID anyway (runAsNonRoot), but an image that expects root breaks there (files it can
// no longer write) and runs as root wherever else it is started (docker run, Compose, CI).

import type { ImageCheck } from "../types";

const ROOT = /^(root|0)(:(root|0))?$/;

export const nonRootUser: ImageCheck = {
  id: "image-non-root-user",
  description: "The image declares a non-root USER.",
  severity: "mandatory",
  onConfig(ctx, report) {
    const user = (ctx.image.config.config?.User ?? "").trim();
    if (user === "")
      report({
        message: `the image sets no USER, so it runs as root wherever the platform does not force a UID. Fix: add \`USER ${ctx.contract.uid}:${ctx.contract.uid}\` (numeric, so Kubernetes can verify runAsNonRoot) after the steps that need root.`,
      });
    else if (ROOT.test(user))
      report({
        message: `the image runs as USER ${user}. Fix: end the Dockerfile with \`USER ${ctx.contract.uid}:${ctx.contract.uid}\` (numeric, so Kubernetes can verify runAsNonRoot).`,
      });
  },
};
