// The image audit: config checks first, then one streamed pass over the layers in order with
// every check looking at the files it cares about, then the checks of the final filesystem.

import { imageChecks } from "./checks";
import { walkLayers } from "./layers";
import type { AuditContext, ImageCheck, ImageFinding, LayerFile } from "./types";

export interface AuditResult {
  image: string;
  findings: ImageFinding[];
  layers: number;
  files: number;
  checks: number;
}

export async function auditImage(
  ctx: AuditContext,
  checks: readonly ImageCheck[] = imageChecks,
): Promise<AuditResult> {
  const findings: ImageFinding[] = [];
  const reporter = (check: ImageCheck) => (f: Omit<ImageFinding, "check" | "severity">) =>
    findings.push({ check: check.id, severity: check.severity, ...f });
  for (const check of checks) check.onConfig?.(ctx, reporter(check));
  let seen = 0;
  // Files read for a check are judged once every layer was read, so a finding can say whether a
  // later layer removed the file (the layer that added it still ships it).
  const read: LayerFile[] = [];
  const final = await walkLayers(ctx.image, {
    wantsContent: (path) => checks.some((c) => c.wantsContent?.(path, ctx) === true),
    onFile: (file) => {
      seen++;
      if (file.content !== undefined) read.push(file);
    },
  });
  for (const file of read) for (const check of checks) check.onFile?.(file, ctx, reporter(check));
  for (const check of checks) check.onFinish?.(final, ctx, reporter(check));
  return {
    image: ctx.image.name,
    findings,
    layers: ctx.image.layers.length,
    files: seen,
    checks: checks.length,
  };
}
