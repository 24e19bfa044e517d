// Preloaded by the CLI scripts of package.json (`node --require ./tools/fast-start.cjs ...`):
// start-up costs that users pay on every plan and policy check, removed before anything loads.
"use strict";
const Module = require("node:module");

// 1. Cache compiled code between runs (node_modules/.cache): most of a cold start is V8
//    compiling the SDKs, and they only change with package-lock.json.
Module.enableCompileCache?.(
  require("node:path").join(__dirname, "..", "node_modules", ".cache", "node-compile-cache"),
);

// 2. @pulumi/pulumi loads the whole TypeScript compiler at import time, to serialize function
//    closures (dynamic providers, callbacks). This program serializes none: the compiler is
//    loaded on first use instead of on every start (about 0.4 s and 40 MB).
try {
  const shimPath = require.resolve("@pulumi/pulumi/typescript-shim");
  if (!require.cache[shimPath]) {
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
        get: (_, key) => Reflect.get(load(), key),
        has: (_, key) => Reflect.has(load(), key),
        ownKeys: () => Reflect.ownKeys(load()),
        getOwnPropertyDescriptor: (_, key) => {
          const d = Reflect.getOwnPropertyDescriptor(load(), key);
          return d && { ...d, configurable: true };
        },
      },
    );
    require.cache[shimPath] = shim;
  }
} catch {
  // A layout this does not know: start the normal way.
}
