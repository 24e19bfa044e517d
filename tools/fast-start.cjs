// Preloaded by the CLI scripts of package.json (`node --require ./tools/fast-start.cjs ...`):
// start-up costs that users pay on every plan and policy check, removed before anything loads.
// Whether it still pays for itself is measured in docs/benchmarks.md ("fast-start").
"use strict";
const Module = require("node:module");

// 1. Cache compiled code between runs (node_modules/.cache): most of a cold start is V8
//    compiling the SDKs, and they only change with package-lock.json.
Module.enableCompileCache?.(
  require("node:path").join(__dirname, "..", "node_modules", ".cache", "node-compile-cache"),
);

// 2. The TypeScript compiler @pulumi/pulumi loads at import time, loaded on first use instead
//    (a Pulumi internal: it lives with the others in tools/pulumi-internals/).
require("./pulumi-internals/lazy-typescript.cjs").installLazyTypescript();
