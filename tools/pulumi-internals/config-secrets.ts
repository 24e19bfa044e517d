// Which stack config keys are marked secret: @pulumi/pulumi knows it (runtime/config.js
// `isConfigSecret`) but strips the function from its typings (@internal).
const runtimeConfig = require("@pulumi/pulumi/runtime/config") as { isConfigSecret?: unknown };

/** True when the stack file marks `fullKey` (`namespace:key`) secret. */
export function isConfigSecret(fullKey: string): boolean {
  const fn = runtimeConfig.isConfigSecret;
  if (typeof fn !== "function") {
    throw new Error(
      "tools/pulumi-internals: @pulumi/pulumi/runtime/config no longer exports isConfigSecret (unsupported @pulumi/pulumi version)",
    );
  }
  return fn(fullKey) === true;
}
