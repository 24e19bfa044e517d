// image-pinned: prevents a rollout, a rescheduled pod or a node replacement from silently pulling
// different code than the one reviewed and tested. `:latest` (or no tag, which means latest) moves
// under your feet, and two replicas of one Deployment can run two different builds. The field notes'
// rule is "the same images, at the same commit, that ship": a version tag or, better, a digest.
// Digests (`@sha256:...`) are accepted with or without a tag (Polaris #1058, Checkov #535).

import type { ResourceValidationPolicy } from "@pulumi/policy";
import { parseImage } from "../lib/classify";
import { isUnknown } from "../lib/json";
import { forEachWorkload } from "../lib/policy";
import { configSchema } from "../lib/report";

export const imagePinned: ResourceValidationPolicy = {
  name: "image-pinned",
  description: "Container images carry an explicit tag other than latest, or a digest.",
  enforcementLevel: "mandatory",
  configSchema: configSchema(),
  validateResource: forEachWorkload("image-pinned", ({ w, target, r }) => {
    for (const c of w.containers) {
      const image = c.spec.image;
      if (isUnknown(image)) continue;
      if (typeof image !== "string" || image.trim() === "") {
        r.violation(
          target,
          `has no image (${c.path}.image). Fix: set an image pinned to a version tag or digest.`,
          {
            container: c,
          },
        );
        continue;
      }
      const ref = parseImage(image);
      if (ref.digest) continue;
      if (ref.tag === undefined) {
        r.violation(
          target,
          `image "${image}" has no tag, so it means :latest and changes whenever someone pushes. Fix: pin a version tag built by CI (e.g. "${ref.repository}:1.4.2") or a digest ("@sha256:...").`,
          { container: c },
        );
      } else if (ref.tag.toLowerCase() === "latest") {
        r.violation(
          target,
          `image "${image}" uses the mutable tag latest: two pods of one rollout can run different builds. Fix: pin a version tag or a digest ("@sha256:...").`,
          { container: c },
        );
      }
    }
  }),
};
