// `npm run policy -- image <path> | --registry <ref> [--service <name>] [--platform os/arch] [--format ...]`
//
// Audits a container image (OCI layout, docker/podman save archive, or a registry reference)
// for what the policy pack cannot see in manifests. Exit codes as `policy check`: 0 clean
// (advisories allowed), 1 a mandatory finding, 2 unreadable input or bad usage.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { PolicyReport, Violation } from "../runner/analyze";
import type { ReportContext } from "../runner/report-formats";
import { type AuditResult, auditImage } from "./audit";
import { imageChecks } from "./checks";
import { platformContract } from "./contract";
import { pullImage } from "./registry";
import { serviceContext } from "./service-context";
import { ImageInputError, openImage } from "./source";
import type { ImageSource } from "./types";

export const IMAGE_USAGE = `  npm run policy -- image <oci-layout-dir|image.tar> [--service <name>] [--platform os/arch] [--format text|json|sarif|junit|gitlab-codequality]
  npm run policy -- image --registry <host/repository:tag|@sha256:...> [same options]
  npm run policy -- image --from-plan out/<stack> [--platform os/arch] [--format ...]`;

export class ImageUsageError extends Error {}

export interface ImageArgs {
  path?: string;
  registry?: string;
  /** A plan's output directory: every service image of its outputs.json, from the registry. */
  fromPlan?: string;
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
    else if (flag === "--from-plan") out.fromPlan = value();
    else if (flag === "--service") out.service = value();
    else if (flag === "--platform") out.platform = value();
    else if (flag === "--format") {
      out.format = value();
      if (!formats.includes(out.format))
        throw new ImageUsageError(`--format must be one of ${formats.join(", ")}, not "${out.format}"`);
    } else if (!a.startsWith("-") && out.path === undefined) out.path = a;
    else throw new ImageUsageError(`unexpected argument ${a}`);
  }
  if ([out.path, out.registry, out.fromPlan].filter((x) => x !== undefined).length !== 1)
    throw new ImageUsageError("image needs exactly one of <path>, --registry <ref> or --from-plan <dir>");
  if (out.fromPlan && out.service)
    throw new ImageUsageError("--from-plan takes each image's service from the plan: drop --service");
  if (out.platform && !/^[a-z0-9]+\/[a-z0-9]+(\/[a-z0-9]+)?$/.test(out.platform))
    throw new ImageUsageError(`--platform must be os/arch[/variant] (linux/amd64), not "${out.platform}"`);
  return out;
}

/** The audits' results as the pack's report, so every output format of `policy check` applies. */
export function asPolicyReport(results: readonly AuditResult[]): PolicyReport {
  const violations: Violation[] = results.flatMap((result) =>
    result.findings.map((f) => ({
      policy: f.check,
      enforcementLevel: f.severity,
      resource: {
        type: "oci:image",
        kind: "Image",
        name: result.image,
        urn: `image:${result.image}${f.path ? `:${f.path}` : ""}`,
      },
      message: f.message,
    })),
  );
  return { violations, policiesRun: imageChecks.length, resourcesChecked: results.length };
}

/**
 * What the CI formats need: the checks as rules, and the audited image (its path, or the registry
 * reference) as the location of every finding.
 */
export function imageReportContext(report: PolicyReport, args: ImageArgs): ReportContext {
  return {
    report,
    rules: imageChecks.map((c) => ({ name: c.id, description: c.description, enforcementLevel: c.severity })),
    fallbackPath: args.path ?? args.registry ?? join(args.fromPlan ?? ".", "outputs.json"),
  };
}

/** The images a plan deploys, by service (the `services` output every stack exports). */
export function planImages(dir: string): Array<{ service: string; image: string }> {
  const file = join(dir, "outputs.json");
  let outputs: { services?: Record<string, { image?: unknown }> };
  try {
    outputs = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new ImageInputError(
      `${file}: cannot read the plan's outputs (${(e as Error).message}); run npm run plan -- --stack <name> first`,
    );
  }
  const images = Object.entries(outputs.services ?? {}).flatMap(([service, s]) =>
    typeof s?.image === "string" ? [{ service, image: s.image }] : [],
  );
  if (images.length === 0) throw new ImageInputError(`${file} lists no service image`);
  return images;
}

/** Audits what the arguments name: one image, or every service image of a plan. */
export async function runImageAudits(args: ImageArgs): Promise<AuditResult[]> {
  if (!args.fromPlan) return [await runImageAudit(args)];
  const results: AuditResult[] = [];
  for (const { service, image } of planImages(args.fromPlan))
    results.push(await runImageAudit({ ...args, fromPlan: undefined, registry: image, service }));
  return results;
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
