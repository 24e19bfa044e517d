// Builds container images for the image audit's tests, as real builders lay them out: an OCI image
// layout directory, or the archive `docker save` writes (manifest.json + config + layer tars).
// Layers are real tar streams (tar-stream), gzip- or zstd-compressed or plain.

import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync, zstdCompressSync } from "node:zlib";
import { pack } from "tar-stream";
import type { ImageRuntimeConfig } from "../../../policies/image/types";

export interface LayerSpec {
  /** Files this layer adds: path → content (string) or {content, mode, uid}. */
  files?: Record<string, string | { content: string; mode?: number; uid?: number; gid?: number }>;
  /** Paths this layer deletes (written as whiteouts). */
  deletes?: string[];
  /** The Dockerfile instruction recorded in the history. */
  createdBy?: string;
}

export interface ImageSpec {
  config?: ImageRuntimeConfig;
  layers: LayerSpec[];
  /** Config-only history entries (ENV, USER...) recorded as empty layers, before the layers. */
  emptyHistory?: string[];
  compression?: "gzip" | "zstd" | "none";
}

async function layerTar(layer: LayerSpec): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  p.on("data", (c: unknown) => chunks.push(c as Buffer));
  const done = new Promise<void>((resolve, reject) => {
    p.on("end", () => resolve());
    p.on("error", reject);
  });
  for (const path of layer.deletes ?? []) {
    const slash = path.lastIndexOf("/");
    p.entry({ name: `${path.slice(1, slash + 1)}.wh.${path.slice(slash + 1)}`, size: 0 }, "");
  }
  for (const [path, spec] of Object.entries(layer.files ?? {})) {
    const s = typeof spec === "string" ? { content: spec } : spec;
    p.entry(
      { name: path.replace(/^\//, ""), mode: s.mode ?? 0o644, uid: s.uid ?? 0, gid: s.gid ?? 0 },
      s.content,
    );
  }
  p.finalize();
  await done;
  return Buffer.concat(chunks);
}

function compress(tar: Buffer, how: ImageSpec["compression"]): { data: Buffer; mediaType: string } {
  if (how === "none") return { data: tar, mediaType: "application/vnd.oci.image.layer.v1.tar" };
  if (how === "zstd")
    return { data: zstdCompressSync(tar), mediaType: "application/vnd.oci.image.layer.v1.tar+zstd" };
  return { data: gzipSync(tar), mediaType: "application/vnd.oci.image.layer.v1.tar+gzip" };
}

const sha = (data: Buffer) => createHash("sha256").update(data).digest("hex");

interface Built {
  config: Buffer;
  layers: Array<{ data: Buffer; mediaType: string }>;
}

async function build(spec: ImageSpec): Promise<Built> {
  const layers = [];
  for (const l of spec.layers) layers.push(compress(await layerTar(l), spec.compression));
  const history = [
    ...(spec.emptyHistory ?? []).map((created_by) => ({ created_by, empty_layer: true })),
    ...spec.layers.map((l) => ({ created_by: l.createdBy ?? "COPY . /app # buildkit" })),
  ];
  const config = Buffer.from(
    JSON.stringify({
      architecture: "amd64",
      os: "linux",
      config: { User: "10001:10001", ...spec.config },
      rootfs: { type: "layers", diff_ids: [] },
      history,
    }),
  );
  return { config, layers };
}

/** An OCI image layout directory (`oci-layout`, `index.json`, `blobs/sha256/...`). */
export async function ociLayout(spec: ImageSpec, dir = mkdtempSync(join(tmpdir(), "oci-"))): Promise<string> {
  const { config, layers } = await build(spec);
  mkdirSync(join(dir, "blobs", "sha256"), { recursive: true });
  const blob = (data: Buffer) => {
    const digest = sha(data);
    writeFileSync(join(dir, "blobs", "sha256", digest), data);
    return `sha256:${digest}`;
  };
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: {
        mediaType: "application/vnd.oci.image.config.v1+json",
        digest: blob(config),
        size: config.length,
      },
      layers: layers.map((l) => ({ mediaType: l.mediaType, digest: blob(l.data), size: l.data.length })),
    }),
  );
  writeFileSync(join(dir, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  writeFileSync(
    join(dir, "index.json"),
    JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.index.v1+json",
      manifests: [
        {
          mediaType: "application/vnd.oci.image.manifest.v1+json",
          digest: blob(manifest),
          size: manifest.length,
        },
      ],
    }),
  );
  return dir;
}

/** A `docker save` archive (one tar: manifest.json, the config, one layer.tar per layer). */
export async function dockerArchive(
  spec: ImageSpec,
  file = join(mkdtempSync(join(tmpdir(), "docker-")), "image.tar"),
): Promise<string> {
  const { config, layers } = await build({ ...spec, compression: spec.compression ?? "none" });
  const p = pack();
  const chunks: Buffer[] = [];
  p.on("data", (c: unknown) => chunks.push(c as Buffer));
  const done = new Promise<void>((resolve) => p.on("end", () => resolve()));
  const configName = `${sha(config)}.json`;
  const layerNames = layers.map((l) => `${sha(l.data)}/layer.tar`);
  p.entry(
    { name: "manifest.json" },
    JSON.stringify([{ Config: configName, RepoTags: ["platform/fixture:1"], Layers: layerNames }]),
  );
  p.entry({ name: configName }, config);
  for (const [i, l] of layers.entries()) p.entry({ name: layerNames[i] as string }, l.data);
  p.finalize();
  await done;
  writeFileSync(file, Buffer.concat(chunks));
  return file;
}

/** The blobs of an image as a registry serves them (for pushing to a test registry). */
export async function registryBlobs(
  spec: ImageSpec,
): Promise<{ manifest: Buffer; blobs: Map<string, Buffer> }> {
  const { config, layers } = await build(spec);
  const blobs = new Map<string, Buffer>();
  const add = (data: Buffer) => {
    const digest = `sha256:${sha(data)}`;
    blobs.set(digest, data);
    return digest;
  };
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: {
        mediaType: "application/vnd.oci.image.config.v1+json",
        digest: add(config),
        size: config.length,
      },
      layers: layers.map((l) => ({ mediaType: l.mediaType, digest: add(l.data), size: l.data.length })),
    }),
  );
  return { manifest, blobs };
}
