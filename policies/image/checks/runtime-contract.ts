// image-runtime-contract: the image honours the platform's runtime contract
// (docs/runtime-contract.md): it serves HTTP on the contract's port, keeps Caddy's admin endpoint
// with metrics on :2019 (the startup and liveness probes call it), declares no VOLUME outside the
// emptyDirs the pod mounts on its read-only root, and lets the platform's UID read its app files.

import { fileLabel } from "../describe";
import type { ImageCheck, LayerFile } from "../types";

const CADDYFILE = /^\/(etc\/caddy|etc\/frankenphp|app|srv)\/Caddyfile$/;

function under(path: string, dirs: string[]): boolean {
  const p = path.replace(/\/+$/, "");
  return dirs.some((d) => p === d || p.startsWith(`${d.replace(/\/+$/, "")}/`));
}

function readableBy(file: LayerFile, uid: number): boolean {
  if (file.linkTarget !== undefined) return true;
  if (file.mode & 0o004) return true;
  if (file.uid === uid && file.mode & 0o400) return true;
  return file.gid === uid && (file.mode & 0o040) !== 0;
}

export const runtimeContract: ImageCheck = {
  id: "image-runtime-contract",
  description:
    "The image serves on the contract's port, keeps Caddy's :2019 metrics, and writes only where the pod mounts emptyDirs.",
  severity: "advisory",
  wantsContent: (path) => CADDYFILE.test(path),
  onConfig(ctx, report) {
    const c = ctx.image.config.config ?? {};
    const ports = Object.keys(c.ExposedPorts ?? {});
    if (
      ports.length > 0 &&
      !ports.includes(`${ctx.contract.httpPort}/tcp`) &&
      !ports.includes(String(ctx.contract.httpPort))
    )
      report({
        message: `the image exposes ${ports.join(", ")} but not ${ctx.contract.httpPort}/tcp, where the platform sends traffic (SERVER_NAME=:${ctx.contract.httpPort}). Fix: serve on :${ctx.contract.httpPort} (FrankenPHP reads SERVER_NAME).`,
      });
    for (const volume of Object.keys(c.Volumes ?? {})) {
      if (!under(volume, ctx.contract.writablePaths))
        report({
          message: `the image declares VOLUME ${volume}, but the pod's root filesystem is read-only and only ${ctx.contract.writablePaths.join(", ")} are writable (emptyDirs). Fix: write temporary files under one of those paths, and anything durable to the object store.`,
        });
    }
  },
  onFinish(files, ctx, report) {
    const caddyfiles = [...files.values()].filter((f) => CADDYFILE.test(f.path));
    if (caddyfiles.length === 0)
      report({
        message: `no Caddyfile (/etc/caddy/Caddyfile, /etc/frankenphp/Caddyfile): the platform's probes expect FrankenPHP with Caddy's admin endpoint and metrics on :${ctx.contract.metricsPort}. Fix: build from the FrankenPHP image, or serve /metrics on :${ctx.contract.metricsPort} yourself.`,
      });
    for (const file of caddyfiles) {
      const text = file.content?.toString("utf8") ?? "";
      const code = text.replace(/#.*$/gm, "");
      if (/^\s*admin\s+off\b/m.test(code))
        report({
          path: file.path,
          layer: file.layer,
          message: `${fileLabel(file)} turns Caddy's admin endpoint off: the startup and liveness probes call :${ctx.contract.metricsPort}/metrics. Fix: keep \`{$CADDY_GLOBAL_OPTIONS}\` in the global options; the platform sets it to \`admin :${ctx.contract.metricsPort}\` and \`metrics\`.`,
        });
      else if (
        !code.includes("{$CADDY_GLOBAL_OPTIONS}") &&
        !new RegExp(`admin\\s+\\S*:${ctx.contract.metricsPort}\\b`).test(code)
      )
        report({
          path: file.path,
          layer: file.layer,
          message: `${fileLabel(file)} neither includes {$CADDY_GLOBAL_OPTIONS} nor serves admin on :${ctx.contract.metricsPort}: the platform cannot turn on the metrics its probes read. Fix: start the global options block with \`{$CADDY_GLOBAL_OPTIONS}\`.`,
        });
    }
    const workdir = (ctx.image.config.config?.WorkingDir ?? "").replace(/\/+$/, "");
    if (workdir === "" || workdir === "/") return;
    const unreadable = [...files.values()].filter(
      (f) => f.path.startsWith(`${workdir}/`) && !readableBy(f, ctx.contract.uid),
    );
    if (unreadable.length > 0)
      report({
        message: `${unreadable.length} file${unreadable.length === 1 ? "" : "s"} under ${workdir} cannot be read by UID ${ctx.contract.uid}, the UID the platform runs containers as (e.g. ${unreadable
          .slice(0, 3)
          .map((f) => f.path)
          .join(", ")}). Fix: \`COPY --chmod=a+rX\` or \`chmod -R a+rX ${workdir}\` in the build.`,
      });
  },
};
