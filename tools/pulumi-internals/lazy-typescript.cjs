// @pulumi/pulumi loads the whole TypeScript compiler at import time (typescript-shim.js, required
// by tsutils.js and runtime/closure/*.js), to serialize function closures (dynamic providers,
// callbacks). This program serializes none: a module standing in the shim's place loads the
// compiler on first use instead of on every start (docs/benchmarks.md has the figures).
// Internals leaned on: the shim's path `@pulumi/pulumi/typescript-shim` and that it exports the
// `typescript` package as is. test/platform/pulumi-internals.test.ts checks both.
"use strict";
const Module = require("node:module");

/** Returns true when the lazy module is in place (false: a layout this does not know). */
function installLazyTypescript() {
  let shimPath;
  try {
    shimPath = require.resolve("@pulumi/pulumi/typescript-shim");
  } catch {
    return false;
  }
  if (require.cache[shimPath]) return require.cache[shimPath].exports?.[LAZY] === true;
  let compiler;
  const load = () => {
    compiler ??= require(require.resolve("typescript", { paths: [shimPath] }));
    return compiler;
  };
  const shim = new Module(shimPath);
  shim.filename = shimPath;
  shim.loaded = true;
  shim.exports = new Proxy(
    {},
    {
      get: (_, key) => (key === LAZY ? true : Reflect.get(load(), key)),
      has: (_, key) => Reflect.has(load(), key),
      ownKeys: () => Reflect.ownKeys(load()),
      getOwnPropertyDescriptor: (_, key) => {
        const d = Reflect.getOwnPropertyDescriptor(load(), key);
        return d && { ...d, configurable: true };
      },
    },
  );
  require.cache[shimPath] = shim;
  return true;
}

/** Marks the lazy module, so a second install (and the test) can tell it from the real shim. */
const LAZY = Symbol.for("platform.lazy-typescript");

module.exports = { installLazyTypescript, LAZY };
