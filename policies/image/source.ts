// Opens an image for the audit, without Docker: an OCI image layout directory, an OCI layout or
// `docker save` / `podman save` archive (tar), or a directory a docker archive was unpacked into.
// Only regular files and directories are read (a FIFO or device given as the image would block or
// never end); JSON documents are size-capped; layers are streamed from disk when the audit reads them.

import { createReadStream, existsSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { TarIndex, TarIndexError } from "./tar-index";
import type { HistoryEntry, ImageConfig, ImageSource, LayerRef } from "./types";

export class ImageInputError extends Error {}

/** JSON documents of an image (index, manifest, config) are small; anything bigger is not one. */
const MAX_JSON_BYTES = 8 * 1024 * 1024;

const INDEX_TYPES = new Set([
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
]);

interface Descriptor {
  mediaType?: string;
  digest?: string;
  size?: number;
  platform?: { os?: string; architecture?: string; variant?: string };
  annotations?: Record<string, string>;
}

interface Manifest {
  mediaType?: string;
  config?: Descriptor;
  layers?: Descriptor[];
  manifests?: Descriptor[];
}

/** Where the files of an image live: a directory, or the members of a tar archive. */
interface Store {
  exists(name: string): boolean;
  size(name: string): number;
  open(name: string): Readable;
}

function dirStore(root: string): Store {
  return {
    exists: (name) => existsSync(join(root, name)),
    size: (name) => statSync(join(root, name)).size,
    open: (name) => createReadStream(join(root, name)),
  };
}

function tarStore(index: TarIndex): Store {
  return { exists: (n) => index.has(n), size: (n) => index.size(n), open: (n) => index.open(n) };
}

async function readJson(store: Store, name: string, what: string): Promise<unknown> {
  if (!store.exists(name)) throw new ImageInputError(`${what} (${name}) is missing`);
  const size = store.size(name);
  if (size > MAX_JSON_BYTES)
    throw new ImageInputError(`${what} (${name}) is ${size} bytes: not an image document`);
  const chunks: Buffer[] = [];
  for await (const chunk of store.open(name)) chunks.push(chunk as Buffer);
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch (e) {
    throw new ImageInputError(`${what} (${name}) is not valid JSON: ${(e as Error).message}`);
  }
}

function blobPath(digest: string | undefined, what: string): string {
  const m = /^([a-z0-9]+(?:[.+_-][a-z0-9]+)*):([a-zA-Z0-9=_-]+)$/.exec(digest ?? "");
  if (!m) throw new ImageInputError(`${what} has no valid digest (${JSON.stringify(digest)})`);
  return `blobs/${m[1]}/${m[2]}`;
}

/** Pairs layers with the Dockerfile instructions that made them (history minus empty layers). */
export function layerInstructions(history: HistoryEntry[] | undefined): Array<string | undefined> {
  return (history ?? []).filter((h) => !h.empty_layer).map((h) => h.created_by);
}

export interface OpenOptions {
  /** `os/arch[/variant]` to pick from a multi-platform index. @default "linux/amd64" */
  platform?: string;
  /** Called by `close()` (the registry source deletes its download). */
  onClose?: () => Promise<void>;
  /** The name reported to the user instead of the path. */
  name?: string;
}

function pickManifest(descriptors: Descriptor[], platform: string, where: string): Descriptor {
  if (descriptors.length === 0) throw new ImageInputError(`${where} lists no image`);
  if (descriptors.length === 1) return descriptors[0] as Descriptor;
  const [os, arch, variant] = platform.split("/");
  const match = descriptors.find(
    (d) =>
      d.platform?.os === os &&
      d.platform?.architecture === arch &&
      (variant === undefined || d.platform?.variant === variant),
  );
  if (match) return match;
  const tagged = descriptors.filter((d) => !d.platform);
  if (tagged.length === 1) return tagged[0] as Descriptor;
  const offered = descriptors.map((d) =>
    d.platform ? `${d.platform.os}/${d.platform.architecture}` : d.digest,
  );
  throw new ImageInputError(
    `${where} holds ${descriptors.length} images and none for ${platform} (${offered.join(", ")}): pass --platform`,
  );
}

async function openOci(store: Store, name: string, opts: OpenOptions): Promise<ImageSource> {
  const platform = opts.platform ?? "linux/amd64";
  let manifest = (await readJson(store, "index.json", "the OCI index")) as Manifest;
  let where = "index.json";
  // Indexes may nest (a layout's index pointing at a multi-platform index).
  for (
    let depth = 0;
    depth < 4 && (manifest.manifests || INDEX_TYPES.has(manifest.mediaType ?? ""));
    depth++
  ) {
    const d = pickManifest(manifest.manifests ?? [], platform, where);
    where = blobPath(d.digest, "a manifest");
    manifest = (await readJson(store, where, "an image manifest")) as Manifest;
  }
  if (!manifest.config || !Array.isArray(manifest.layers))
    throw new ImageInputError(`${where} is not an image manifest (no config or layers)`);
  const config = (await readJson(
    store,
    blobPath(manifest.config.digest, "the config"),
    "the image config",
  )) as ImageConfig;
  const instructions = layerInstructions(config.history);
  const layers: LayerRef[] = manifest.layers.map((d, index) => {
    const path = blobPath(d.digest, `layer ${index}`);
    if (!store.exists(path)) throw new ImageInputError(`layer ${index} (${path}) is missing from the image`);
    return {
      index,
      digest: d.digest ?? "",
      mediaType: d.mediaType ?? "",
      size: store.size(path),
      createdBy: instructions[index],
      open: () => store.open(path),
    };
  });
  return { name: opts.name ?? name, config, layers, close: opts.onClose ?? (async () => {}) };
}

interface DockerArchiveEntry {
  Config?: string;
  Layers?: string[];
  RepoTags?: string[] | null;
}

async function openDockerArchive(store: Store, name: string, opts: OpenOptions): Promise<ImageSource> {
  const entries = (await readJson(store, "manifest.json", "the archive manifest")) as DockerArchiveEntry[];
  if (!Array.isArray(entries) || entries.length === 0)
    throw new ImageInputError("manifest.json lists no image");
  if (entries.length > 1) {
    const tags = entries.map((e) => e.RepoTags?.[0] ?? e.Config).join(", ");
    throw new ImageInputError(
      `the archive holds ${entries.length} images (${tags}): save one image per archive`,
    );
  }
  const entry = entries[0] as DockerArchiveEntry;
  if (!entry.Config || !Array.isArray(entry.Layers))
    throw new ImageInputError("manifest.json has no Config or Layers");
  const config = (await readJson(store, entry.Config, "the image config")) as ImageConfig;
  const instructions = layerInstructions(config.history);
  const layers: LayerRef[] = entry.Layers.map((path, index) => {
    if (!store.exists(path))
      throw new ImageInputError(`layer ${index} (${path}) is missing from the archive`);
    return {
      index,
      digest: path,
      mediaType: "",
      size: store.size(path),
      createdBy: instructions[index],
      open: () => store.open(path),
    };
  });
  return {
    name: opts.name ?? entry.RepoTags?.[0] ?? name,
    config,
    layers,
    close: opts.onClose ?? (async () => {}),
  };
}

async function openStore(store: Store, name: string, opts: OpenOptions): Promise<ImageSource> {
  // `docker save` of Docker 25+ writes both; the OCI index is the richer description.
  if (store.exists("index.json") && store.exists("oci-layout")) return openOci(store, name, opts);
  if (store.exists("manifest.json")) return openDockerArchive(store, name, opts);
  throw new ImageInputError(
    `${name} is neither an OCI image layout (oci-layout + index.json) nor a docker/podman save archive (manifest.json)`,
  );
}

/** Opens an image from a path: a directory or a tar archive. */
export async function openImage(path: string, opts: OpenOptions = {}): Promise<ImageSource> {
  let stat: ReturnType<typeof statSync>;
  try {
    stat = statSync(path);
  } catch {
    throw new ImageInputError(`${path}: no such file or directory`);
  }
  if (stat.isDirectory()) return openStore(dirStore(path), path, opts);
  if (!stat.isFile())
    throw new ImageInputError(
      `${path} is not a regular file or directory (a pipe or device is refused: save the image to a file first)`,
    );
  try {
    return await openStore(tarStore(new TarIndex(path)), path, opts);
  } catch (e) {
    if (e instanceof TarIndexError) throw new ImageInputError(e.message);
    throw e;
  }
}
