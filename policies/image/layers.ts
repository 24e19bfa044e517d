// Reads an image's layers in order, as a container runtime applies them, and hands every file to
// the checks: whiteouts delete, opaque directories hide what lower layers put there, a later file
// replaces an earlier one. A file a later layer removes is still shipped by the layer that added
// it (anyone who pulls the image has that layer), so checks see every file of every layer and the
// removal is recorded on it. Layers are streamed: only files a check asks for are read, capped.

import { pipeline } from "node:stream/promises";
import { createGunzip, createZstdDecompress } from "node:zlib";
import { extract } from "tar-stream";
import type { ImageSource, LayerFile, LayerRef } from "./types";

/** Content a check may ask for is read up to this size; bigger files are seen by name and size only. */
export const CONTENT_CAP_BYTES = 1024 * 1024;

export class LayerReadError extends Error {}

async function firstBytes(layer: LayerRef, n: number): Promise<Buffer> {
  const stream = layer.open();
  try {
    for await (const chunk of stream) {
      const b = chunk as Buffer;
      if (b.length >= n) return b.subarray(0, n);
      return b; // a layer shorter than the magic is read as it is
    }
    return Buffer.alloc(0);
  } finally {
    stream.destroy();
  }
}

/** The decompressor a layer needs, from its magic bytes (media types lie in docker archives). */
async function decompressorFor(layer: LayerRef) {
  const magic = await firstBytes(layer, 4);
  if (magic[0] === 0x1f && magic[1] === 0x8b) return createGunzip();
  if (magic.equals(Buffer.from([0x28, 0xb5, 0x2f, 0xfd]))) return createZstdDecompress();
  return undefined;
}

function normalisePath(name: string): string {
  const parts: string[] = [];
  for (const p of name.split("/")) {
    if (p === "" || p === ".") continue;
    if (p === "..") parts.pop();
    else parts.push(p);
  }
  return `/${parts.join("/")}`;
}

export interface LayerWalk {
  /** Called for every regular file or symlink of every layer, content attached when wanted. */
  onFile(file: LayerFile): void;
  wantsContent(path: string): boolean;
}

/**
 * Walks every layer; returns the final filesystem (path → the file as the last layer left it).
 * Files removed or replaced later keep their `removedBy` layer.
 */
export async function walkLayers(image: ImageSource, walk: LayerWalk): Promise<Map<string, LayerFile>> {
  const files = new Map<string, LayerFile>();
  const removeUnder = (dir: string, by: LayerRef, alsoSelf: boolean) => {
    const prefix = dir === "/" ? "/" : `${dir}/`;
    for (const [path, file] of files) {
      if ((alsoSelf && path === dir) || path.startsWith(prefix)) {
        if (file.layer.index < by.index) {
          file.removedBy = by;
          files.delete(path);
        }
      }
    }
  };
  for (const layer of image.layers) {
    const decompressor = await decompressorFor(layer);
    const tar = extract();
    const consume = (async () => {
      for await (const entry of tar) {
        const h = entry.header;
        const path = normalisePath(h.name);
        const base = path.slice(path.lastIndexOf("/") + 1);
        const dir = path.slice(0, path.lastIndexOf("/")) || "/";
        if (base === ".wh..wh..opq") {
          removeUnder(dir, layer, false);
        } else if (base.startsWith(".wh.")) {
          removeUnder(`${dir === "/" ? "" : dir}/${base.slice(4)}`, layer, true);
        } else if (
          h.type === "file" ||
          h.type === "contiguous-file" ||
          h.type === "symlink" ||
          h.type === "link"
        ) {
          const previous = files.get(path);
          if (previous && previous.layer.index < layer.index) previous.removedBy = layer;
          const file: LayerFile = {
            path,
            layer,
            size: h.size ?? 0,
            mode: h.mode ?? 0,
            uid: h.uid ?? 0,
            gid: h.gid ?? 0,
          };
          if (h.type === "symlink" || h.type === "link") file.linkTarget = h.linkname ?? undefined;
          if (
            h.type !== "symlink" &&
            h.type !== "link" &&
            file.size <= CONTENT_CAP_BYTES &&
            walk.wantsContent(path)
          ) {
            const chunks: Buffer[] = [];
            for await (const chunk of entry) chunks.push(chunk as Buffer);
            file.content = Buffer.concat(chunks);
          }
          files.set(path, file);
          walk.onFile(file);
        }
        entry.resume();
      }
    })();
    const stages = decompressor ? [layer.open(), decompressor, tar] : [layer.open(), tar];
    try {
      // biome-ignore lint/suspicious/noExplicitAny: pipeline's overloads do not take a spread of streams
      await Promise.all([(pipeline as any)(...stages), consume]);
    } catch (e) {
      const where = layer.createdBy ? ` (${layer.createdBy})` : "";
      throw new LayerReadError(`layer ${layer.index}${where} cannot be read: ${(e as Error).message}`);
    }
  }
  return files;
}
