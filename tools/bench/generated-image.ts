// A large container image for the image audit's benchmark, written straight to an OCI layout
// with bounded memory: a base layer and an app layer (many small files, gzip, the shape of a PHP
// image with its vendor directory), a media layer of big incompressible files (stored as a plain
// tar, as `docker save` stores layers), and a last layer that deletes a planted `.env.local`
// (the audit must still report it). Tar headers are written here, not by the library the audit
// reads with, so the benchmark does not grade a reader on its own writer.

import { createHash, randomBytes } from "node:crypto";
import { once } from "node:events";
import { createWriteStream, mkdirSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Writable } from "node:stream";
import { createGzip } from "node:zlib";

function header(name: string, size: number, mode = 0o644): Buffer {
  const h = Buffer.alloc(512);
  const put = (text: string, at: number, len: number) => h.write(text.slice(0, len), at, len, "utf8");
  const oct = (n: number, len: number) => n.toString(8).padStart(len - 1, "0");
  put(name, 0, 100);
  put(oct(mode, 8), 100, 8);
  put(oct(10_001, 8), 108, 8);
  put(oct(10_001, 8), 116, 8);
  put(oct(size, 12), 124, 12);
  put(oct(1_700_000_000, 12), 136, 12);
  put("        ", 148, 8);
  put("0", 156, 1);
  put("ustar", 257, 6);
  put("00", 263, 2);
  let sum = 0;
  for (const b of h) sum += b;
  put(`${oct(sum, 7)}\0`, 148, 8);
  return h;
}

async function write(out: Writable, data: Buffer): Promise<void> {
  if (!out.write(data)) await once(out, "drain");
}

interface Entry {
  name: string;
  data: Buffer;
}

/** Writes one layer blob; returns its descriptor. */
async function layer(dir: string, entries: Iterable<Entry>, gzip: boolean) {
  const tmp = join(dir, "blobs", "sha256", `tmp-${process.pid}`);
  const file = createWriteStream(tmp);
  const hash = createHash("sha256");
  let size = 0;
  const sink = gzip ? createGzip({ level: 1 }) : file;
  if (gzip) sink.pipe(file);
  const counting = (chunk: Buffer) => {
    hash.update(chunk);
    size += chunk.length;
  };
  if (gzip) sink.on("data", counting);
  for (const e of entries) {
    const parts = [header(e.name, e.data.length), e.data, Buffer.alloc((512 - (e.data.length % 512)) % 512)];
    for (const p of parts) {
      if (!gzip) counting(p);
      await write(sink, p);
    }
  }
  const end = Buffer.alloc(1024);
  if (!gzip) counting(end);
  sink.end(end);
  await once(file, "close");
  const digest = hash.digest("hex");
  renameSync(tmp, join(dir, "blobs", "sha256", digest));
  return {
    mediaType: gzip
      ? "application/vnd.oci.image.layer.v1.tar+gzip"
      : "application/vnd.oci.image.layer.v1.tar",
    digest: `sha256:${digest}`,
    size,
  };
}

function* smallFiles(prefix: string, count: number, bytes: number): Generator<Entry> {
  const text = Buffer.from("<?php\n// generated\n".padEnd(bytes, "abcdefghijklmnopqrstuvwxyz0123456789\n"));
  for (let i = 0; i < count; i++) yield { name: `${prefix}/pkg${i % 500}/src/File${i}.php`, data: text };
}

function* bigFiles(count: number, bytes: number): Generator<Entry> {
  const block = randomBytes(bytes);
  for (let i = 0; i < count; i++) yield { name: `app/public/media/video-${i}.mp4`, data: block };
}

export interface GeneratedImage {
  dir: string;
  bytesOnDisk: number;
  files: number;
}

/** Writes the image (about `totalMiB` of layers) into `dir` as an OCI layout. */
export async function generateImage(dir: string, totalMiB = 2048): Promise<GeneratedImage> {
  mkdirSync(join(dir, "blobs", "sha256"), { recursive: true });
  const smallBase = 20_000;
  const smallApp = 30_000;
  const bigMiB = 16;
  const bigCount = Math.max(1, Math.floor((totalMiB - 200) / bigMiB));
  const layers = [
    await layer(dir, smallFiles("usr/lib/base", smallBase, 2048), true),
    await layer(
      dir,
      (function* () {
        yield* smallFiles("app/vendor", smallApp, 4096);
        yield { name: "app/.env.local", data: Buffer.from("APP_SECRET=0f9e8d7c6b5a49382716f5e4d3c2b1a0\n") };
      })(),
      true,
    ),
    await layer(dir, bigFiles(bigCount, bigMiB * 1024 * 1024), false),
    await layer(dir, [{ name: "app/.wh..env.local", data: Buffer.alloc(0) }], true),
  ];
  const blob = (data: Buffer) => {
    const digest = createHash("sha256").update(data).digest("hex");
    writeFileSync(join(dir, "blobs", "sha256", digest), data);
    return { digest: `sha256:${digest}`, size: data.length };
  };
  const config = Buffer.from(
    JSON.stringify({
      architecture: "amd64",
      os: "linux",
      config: {
        User: "10001:10001",
        WorkingDir: "/app",
        Env: ["APP_ENV=prod"],
        ExposedPorts: { "80/tcp": {} },
      },
      history: ["base", "COPY . /app", "COPY media /app/public/media", "RUN rm /app/.env.local"].map(
        (created_by) => ({ created_by }),
      ),
    }),
  );
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: { mediaType: "application/vnd.oci.image.config.v1+json", ...blob(config) },
      layers,
    }),
  );
  writeFileSync(join(dir, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  writeFileSync(
    join(dir, "index.json"),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [{ mediaType: "application/vnd.oci.image.manifest.v1+json", ...blob(manifest) }],
    }),
  );
  return {
    dir,
    bytesOnDisk: layers.reduce((n, l) => n + l.size, 0),
    files: smallBase + smallApp + 1 + bigCount + 1,
  };
}
