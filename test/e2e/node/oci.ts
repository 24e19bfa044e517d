import { createHash } from "node:crypto";
import { createReadStream, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { copyFile } from "node:fs/promises";
import { join } from "node:path";
import { mustRun } from "../lib/proc";

// OCI image archives made here, without a registry or Docker: uncompressed layer tars (written
// reproducibly: sorted names, mtime 0, owner 0), a config, a manifest and an index, in the OCI
// image layout that `ctr images import` reads. The same inputs give the same digests.

export interface ImageConfig {
  User?: string;
  Env?: string[];
  Entrypoint?: string[];
  Cmd?: string[];
  WorkingDir?: string;
  ExposedPorts?: Record<string, Record<string, never>>;
}

export interface ImageSpec {
  /** The fully qualified name CRI looks up: docker.io/platform/content:2026.11.3. */
  name: string;
  /** Layer tars, lowest first. */
  layers: string[];
  config: ImageConfig;
}

const TAR_FLAGS = ["--sort=name", "--mtime=@0", "--owner=0", "--group=0", "--numeric-owner", "--format=gnu"];

/** A reproducible layer tar of `dir`'s contents (paths relative to `dir`). */
export async function layerFromDir(dir: string, out: string): Promise<string> {
  const tmp = `${out}.tmp.${process.pid}`;
  await mustRun("tar", [...TAR_FLAGS, "-cf", tmp, "-C", dir, "."], { timeoutMs: 10 * 60_000 });
  renameSync(tmp, out);
  return out;
}

function sha256File(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash("sha256");
    createReadStream(path)
      .on("data", (c) => hash.update(c))
      .on("error", reject)
      .on("end", () => resolve(hash.digest("hex")));
  });
}

const sha256 = (data: string) => createHash("sha256").update(data).digest("hex");

/** Writes the OCI layout of `spec` into the tar `out`; returns the manifest digest. */
export async function ociArchive(spec: ImageSpec, workdir: string, out: string): Promise<string> {
  const layout = join(workdir, "layout");
  const blobs = join(layout, "blobs", "sha256");
  rmSync(layout, { recursive: true, force: true });
  mkdirSync(blobs, { recursive: true });
  const layers: { digest: string; size: number }[] = [];
  for (const layer of spec.layers) {
    const digest = await sha256File(layer);
    await copyFile(layer, join(blobs, digest));
    layers.push({ digest, size: statSync(layer).size });
  }
  const blob = (text: string) => {
    const digest = sha256(text);
    writeFileSync(join(blobs, digest), text);
    return { digest: `sha256:${digest}`, size: Buffer.byteLength(text) };
  };
  const config = blob(
    JSON.stringify({
      architecture: "amd64",
      os: "linux",
      config: spec.config,
      rootfs: { type: "layers", diff_ids: layers.map((l) => `sha256:${l.digest}`) },
    }),
  );
  const manifest = blob(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: { mediaType: "application/vnd.oci.image.config.v1+json", ...config },
      layers: layers.map((l) => ({
        mediaType: "application/vnd.oci.image.layer.v1.tar",
        digest: `sha256:${l.digest}`,
        size: l.size,
      })),
    }),
  );
  const tag = spec.name.slice(spec.name.lastIndexOf(":") + 1);
  writeFileSync(join(layout, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  writeFileSync(
    join(layout, "index.json"),
    JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.index.v1+json",
      manifests: [
        {
          mediaType: "application/vnd.oci.image.manifest.v1+json",
          ...manifest,
          annotations: { "io.containerd.image.name": spec.name, "org.opencontainers.image.ref.name": tag },
        },
      ],
    }),
  );
  const tmp = `${out}.tmp.${process.pid}`;
  await mustRun("tar", [...TAR_FLAGS, "-cf", tmp, "-C", layout, "."], { timeoutMs: 10 * 60_000 });
  renameSync(tmp, out);
  rmSync(layout, { recursive: true, force: true });
  return manifest.digest;
}
