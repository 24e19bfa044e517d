// @pulumi/policy's proxy.js, the module its server.js wraps every resource's props in: reading a
// value unknown during preview throws UnknownValueError. Its typings are stripped (@internal),
// hence require.

export interface PolicyProxyModule {
  unknownCheckingProxy<T extends object>(value: T): T;
  UnknownValueError: new (...args: never[]) => Error;
  /** The key for which a proxy hands back the object it wraps (proxy.js `getSpecialProxyTarget`). */
  getSpecialProxyTarget: string;
  unknownBooleanValue: string;
  unknownNumberValue: string;
  unknownStringValue: string;
  unknownArrayValue: string;
  unknownObjectValue: string;
  unknownAssetValue: string;
  unknownArchiveValue: string;
}

function loadPolicyProxy(): PolicyProxyModule {
  const mod: unknown = require("@pulumi/policy/proxy");
  if (
    typeof mod !== "object" ||
    mod === null ||
    typeof Reflect.get(mod, "unknownCheckingProxy") !== "function" ||
    typeof Reflect.get(mod, "UnknownValueError") !== "function"
  ) {
    throw new Error(
      "tools/pulumi-internals: @pulumi/policy/proxy does not export unknownCheckingProxy and UnknownValueError (unsupported @pulumi/policy version)",
    );
  }
  return mod as PolicyProxyModule;
}

export const policyProxy: PolicyProxyModule = loadPolicyProxy();

/** Sentinels for unknown values, to build props as a preview would see them. */
export const UNKNOWN_VALUES = {
  boolean: policyProxy.unknownBooleanValue,
  number: policyProxy.unknownNumberValue,
  string: policyProxy.unknownStringValue,
  array: policyProxy.unknownArrayValue,
  object: policyProxy.unknownObjectValue,
  asset: policyProxy.unknownAssetValue,
  archive: policyProxy.unknownArchiveValue,
} as const;
