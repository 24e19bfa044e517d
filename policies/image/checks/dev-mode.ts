// image-dev-mode: an image built for development: APP_ENV=dev|test or APP_DEBUG on in its config,
// Xdebug enabled in a php.ini, or dev dependencies installed (PHPUnit, Symfony's debug and web
// profiler bundles, the maker bundle). Each slows every request, leaks internals in error pages
// or widens what an attacker can reach; `composer install --no-dev` and a prod target fix them.

import { fileLabel } from "../describe";
import type { ImageCheck } from "../types";

const DEV_PACKAGES: Array<[string, string]> = [
  ["phpunit/phpunit", "PHPUnit"],
  ["symfony/debug-bundle", "Symfony's DebugBundle"],
  ["symfony/web-profiler-bundle", "Symfony's WebProfilerBundle"],
  ["symfony/maker-bundle", "Symfony's MakerBundle"],
  ["barryvdh/laravel-debugbar", "Laravel Debugbar"],
];

const PHP_INI = /\/(php|php\d(\.\d+)?)\/.*\.ini$|\/conf\.d\/[^/]+\.ini$/;

function xdebugEnabled(text: string): boolean {
  return text
    .split("\n")
    .some((l) => /^\s*zend_extension\s*=\s*["']?([^"'\s]*\/)?xdebug(\.so)?["']?\s*$/.test(l));
}

export const devMode: ImageCheck = {
  id: "image-dev-mode",
  description: "No development mode in a shipped image: APP_ENV/APP_DEBUG, Xdebug, dev dependencies.",
  severity: "mandatory",
  wantsContent: (path) => PHP_INI.test(path),
  onConfig(ctx, report) {
    for (const entry of ctx.image.config.config?.Env ?? []) {
      const [name, ...rest] = entry.split("=");
      const value = rest.join("=").trim().toLowerCase();
      if (name === "APP_ENV" && ["dev", "test", "local", "development", "testing"].includes(value))
        report({
          message: `the image config sets APP_ENV=${value}. Fix: build the prod target (APP_ENV=prod); the platform sets APP_ENV=prod at run time and the cache warmed in the image must match it.`,
        });
      if (name === "APP_DEBUG" && ["1", "true", "on", "yes"].includes(value))
        report({
          message: `the image config sets APP_DEBUG=${value}: error pages show internals. Fix: APP_DEBUG=0 in the prod target.`,
        });
    }
  },
  onFile(file, _ctx, report) {
    if (
      file.content &&
      PHP_INI.test(file.path) &&
      xdebugEnabled(file.content.toString("utf8")) &&
      !file.removedBy
    )
      report({
        path: file.path,
        layer: file.layer,
        message: `${fileLabel(file)} enables Xdebug: every request pays for it. Fix: install Xdebug only in the dev target of the Dockerfile.`,
      });
  },
  onFinish(files, _ctx, report) {
    const seen = new Set<string>();
    for (const [path, file] of files) {
      for (const [pkg, label] of DEV_PACKAGES) {
        const at = path.indexOf(`/vendor/${pkg}/`);
        if (at < 0) continue;
        const dir = path.slice(0, at + `/vendor/${pkg}`.length);
        if (seen.has(dir)) continue;
        seen.add(dir);
        report({
          path: dir,
          layer: file.layer,
          message: `${label} is installed (${dir}, ${fileLabel(file).replace(/^[^ ]+ in /, "from ")}): dev dependencies are in the image. Fix: \`composer install --no-dev --optimize-autoloader\` in the prod target.`,
        });
      }
    }
  },
};
