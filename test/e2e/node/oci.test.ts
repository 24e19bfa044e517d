import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { mustRun } from "../lib/proc";
import { layerFromDir, ociArchive } from "./oci";

// The OCI archives the real node imports: the layout `ctr images import` reads, named for CRI, and
// reproducible (the same files give the same digests whatever their timestamps).

const work = mkdtempSync(join(tmpdir(), "oci-test-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function build(label: string, mtime: number): Promise<{ digest: string; archive: string }> {
  const root = join(work, `${label}-root`);
  mkdirSync(join(root, "usr", "local", "bin"), { recursive: true });
  writeFileSync(join(root, "usr", "local", "bin", "php"), "#!/bin/true\n");
  utimesSync(join(root, "usr", "local", "bin", "php"), mtime, mtime);
  const layer = await layerFromDir(root, join(work, `${label}-layer.tar`));
  const archive = join(work, `${label}.tar`);
  const digest = await ociArchive(
    {
      name: "registry.localhost:5000/platform/content:1.0",
      layers: [layer],
      config: { User: "10001:10001" },
    },
    join(work, label),
    archive,
  );
  return { digest, archive };
}

describe("OCI archives", () => {
  it("are reproducible and carry the image name containerd imports them under", async () => {
    const a = await build("a", 1_000_000);
    const b = await build("b", 2_000_000);
    expect(a.digest).toMatch(/^sha256:[a-f0-9]{64}$/);
    expect(b.digest).toBe(a.digest);
    const out = join(work, "extracted");
    mkdirSync(out);
    await mustRun("tar", ["-xf", a.archive, "-C", out]);
    const index = JSON.parse(readFileSync(join(out, "index.json"), "utf8"));
    expect(index.manifests[0].annotations["io.containerd.image.name"]).toBe(
      "registry.localhost:5000/platform/content:1.0",
    );
    expect(index.manifests[0].digest).toBe(a.digest);
    const manifest = JSON.parse(readFileSync(join(out, "blobs", "sha256", a.digest.slice(7)), "utf8"));
    const config = JSON.parse(
      readFileSync(join(out, "blobs", "sha256", manifest.config.digest.slice(7)), "utf8"),
    );
    expect(config.config.User).toBe("10001:10001");
    expect(config.rootfs.diff_ids).toEqual(manifest.layers.map((l: { digest: string }) => l.digest));
    expect(JSON.parse(readFileSync(join(out, "oci-layout"), "utf8")).imageLayoutVersion).toBe("1.0.0");
  });
});
