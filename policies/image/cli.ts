// `npm run policy -- image <path> | --registry <ref> [--service <name>] [--platform os/arch] [--format ...]`
//
// Audits a container image (OCI layout, docker/podman save archive, or a registry reference)
// for what the policy pack cannot see in manifests. Exit codes as `policy check`: 0 clean
// (advisories allowed), 1 a mandatory finding, 2 unreadable input or bad usage.

import type { PolicyReport, Violation } from "../runner/analyze";
import { type AuditResult, auditImage } from "./audit";
import { platformContract } from "./contract";
import { pullImage } from "./registry";
import { serviceContext } from "./service-context";
import { openImage } from "./source";
import type { ImageSource } from "./types";

export const IMAGE_USAGE = `  npm run policy -- image <oci-layout-dir|image.tar> [--service <name>] [--platform os/arch] [--format text|json]
  npm run policy -- image --registry <host/repository:tag|@sha256:...> [same options]`;

export class ImageUsageError extends Error {}

export interface ImageArgs {
  path?: string;
  registry?: string;
  service?: string;
  platform?: string;
  format: string;
}

export function parseImageArgs(argv: string[], formats: readonly string[]): ImageArgs {
  const out: ImageArgs = { format: "text" };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? "";
    const [flag, inline] =
      a.startsWith("--") && a.includes("=")
        ? [a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)]
        : [a, undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === "") throw new ImageUsageError(`${flag} needs a value`);
      return v;
    };
    if (flag === "--registry") out.registry = value();
    else if (flag === "--service") out.service = value();
    else if (flag === "--platform") out.platform = value();
    else if (flag === "--format") {
      out.format = value();
      if (!formats.includes(out.format))
        throw new ImageUsageError(`--format must be one of ${formats.join(", ")}, not "${out.format}"`);
    } else if (!a.startsWith("-") && out.path === undefined) out.path = a;
    else throw new ImageUsageError(`unexpected argument ${a}`);
  }
  if (!out.path === !out.registry)
    throw new ImageUsageError("image needs exactly one of <path> or --registry <ref>");
  if (out.platform && !/^[a-z0-9]+\/[a-z0-9]+(\/[a-z0-9]+)?$/.test(out.platform))
    throw new ImageUsageError(`--platform must be os/arch[/variant] (linux/amd64), not "${out.platform}"`);
  return out;
}

/** The audit's result as the pack's report, so every output format of `policy check` applies. */
export function asPolicyReport(result: AuditResult): PolicyReport {
  const violations: Violation[] = result.findings.map((f) => ({
    policy: f.check,
    enforcementLevel: f.severity,
    resource: {
      type: "oci:image",
      kind: "Image",
      name: result.image,
      urn: `image:${result.image}${f.path ? `:${f.path}` : ""}`,
    },
    message: f.message,
  }));
  return { violations, policiesRun: result.checks, resourcesChecked: 1 };
}

export async function runImageAudit(args: ImageArgs): Promise<AuditResult> {
  const service = args.service ? serviceContext(args.service) : undefined;
  let image: ImageSource;
  if (args.registry) image = await pullImage(args.registry, { platform: args.platform });
  else image = await openImage(args.path as string, { platform: args.platform });
  try {
    return await auditImage({ image, contract: platformContract(), service });
  } finally {
    await image.close();
  }
}
