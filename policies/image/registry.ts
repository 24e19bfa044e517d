// Pulls an image from a registry for the audit with a maintained registry client
// (@snyk/docker-registry-v2-client): the manifest (an index is resolved to the platform asked
// for), the config, and each layer streamed to a temporary file, checked against its digest, and
// deleted when the audit closes the image. Credentials come from the environment:
//   REGISTRY_USERNAME + REGISTRY_PASSWORD  basic auth, or the registry's token flow with them
//   REGISTRY_TOKEN                         a bearer token sent as it is (e.g. from `az acr login --expose-token`)
// and nothing at all means anonymous. Plain HTTP only for loopback registries (127.0.0.1, localhost).

import { createHash } from "node:crypto";
import { createReadStream, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { downloadLayer, getImageConfig, getManifest } from "@snyk/docker-registry-v2-client";
import { ImageInputError, layerInstructions } from "./source";
import type { ImageConfig, ImageSource, LayerRef } from "./types";

export interface ImageReference {
  registry: string;
  repository: string;
  /** Tag or digest. */
  reference: string;
}

const MANIFEST_TYPES = [
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
  "application/vnd.docker.distribution.manifest.v2+json",
].join(", ");

/** `host[:port]/path/name[:tag][@sha256:...]`, Docker Hub names completed as docker does. */
export function parseReference(ref: string): ImageReference {
  const m =
    /^(?:([^/]+[.:][^/]*|localhost)\/)?([a-z0-9]+(?:[._/-][a-z0-9]+)*)(?::([\w][\w.-]{0,127}))?(?:@(sha256:[a-f0-9]{64}))?$/.exec(
      ref,
    );
  if (!m)
    throw new ImageInputError(`"${ref}" is not an image reference (host/repository:tag or @sha256:digest)`);
  const registry = m[1] ?? "registry-1.docker.io";
  const repository = !m[1] && !m[2]?.includes("/") ? `library/${m[2]}` : (m[2] ?? "");
  return { registry, repository, reference: m[4] ?? m[3] ?? "latest" };
}

function isLoopback(registry: string): boolean {
  const host = registry.replace(/:\d+$/, "");
  return host === "localhost" || host === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return `sha256:${hash.digest("hex")}`;
}

export interface PullOptions {
  platform?: string;
  env?: NodeJS.ProcessEnv;
}

export async function pullImage(ref: string, opts: PullOptions = {}): Promise<ImageSource> {
  const env = opts.env ?? process.env;
  const { registry, repository, reference } = parseReference(ref);
  const username = env.REGISTRY_USERNAME || undefined;
  const password = env.REGISTRY_PASSWORD || undefined;
  const headers: Record<string, string> = {};
  if (env.REGISTRY_TOKEN) headers.Authorization = `Bearer ${env.REGISTRY_TOKEN}`;
  const options = {
    acceptManifest: MANIFEST_TYPES,
    protocol: isLoopback(registry) ? "http:" : "https:",
    headers,
    timeout: 60_000,
  };
  const [os, architecture, variant] = (opts.platform ?? "linux/amd64").split("/");
  const dir = mkdtempSync(join(tmpdir(), "image-audit-"));
  const close = async () => rmSync(dir, { recursive: true, force: true });
  try {
    const manifest = (await getManifest(registry, repository, reference, username, password, options, {
      os: os ?? "linux",
      architecture: architecture ?? "amd64",
      ...(variant ? { variant } : {}),
    })) as {
      config?: { digest?: string };
      layers?: Array<{ digest?: string; mediaType?: string; size?: number }>;
    };
    if (!manifest.config?.digest || !Array.isArray(manifest.layers))
      throw new ImageInputError(`${ref}: the registry's manifest has no config or layers`);
    const config = (await getImageConfig(
      registry,
      repository,
      manifest.config.digest,
      username,
      password,
      options,
    )) as ImageConfig;
    const instructions = layerInstructions(config.history);
    const layers: LayerRef[] = [];
    for (const [index, d] of manifest.layers.entries()) {
      const digest = d.digest ?? "";
      const file = join(dir, `layer-${index}`);
      await downloadLayer(file, registry, repository, digest, username, password, options);
      const actual = await sha256Of(file);
      if (digest.startsWith("sha256:") && actual !== digest)
        throw new ImageInputError(
          `${ref}: layer ${index} does not match its digest (${digest}, got ${actual})`,
        );
      layers.push({
        index,
        digest,
        mediaType: d.mediaType ?? "",
        size: statSync(file).size,
        createdBy: instructions[index],
        open: () => createReadStream(file),
      });
    }
    return { name: ref, config, layers, close };
  } catch (e) {
    await close();
    if (e instanceof ImageInputError) throw e;
    const err = e as { message?: string; statusCode?: number };
    const status = err.statusCode ? ` (HTTP ${err.statusCode})` : "";
    throw new ImageInputError(
      `${ref}: cannot pull from ${registry}${status}: ${err.message ?? String(e)}${status.includes("401") ? "; set REGISTRY_USERNAME/REGISTRY_PASSWORD or REGISTRY_TOKEN" : ""}`,
    );
  }
}
