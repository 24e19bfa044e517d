// Everything this project takes from inside @pulumi/pulumi and @pulumi/policy, beyond their
// public API, in one place. Each piece says which internal it leans on; ./shapes.ts checks every
// one of them against the installed packages, and test/platform/pulumi-internals.test.ts fails,
// naming this module, when an upgrade changes a version or a shape:
// - mock-monitor.ts: the plan records registrations by wrapping the mock monitor (runtime/settings
//   getMonitor and waitForRPCs, MockMonitor, the RegisterResourceRequest getters);
// - policy-proxy.ts: the offline analyzer wraps props in @pulumi/policy's unknownCheckingProxy and
//   builds previews from its unknown-value sentinels;
// - secret-wire.ts: the engine protocol's secret markers (the analyzer unwraps them, the plan
//   redacts them);
// - config-secrets.ts: which stack config keys are secret (runtime/config isConfigSecret);
// - lazy-typescript.cjs: the TypeScript compiler loaded on first use (tools/fast-start.cjs).

export { isConfigSecret } from "./config-secrets";
export { type MockRegistration, setRecordingMocks, waitForRegistrations } from "./mock-monitor";
export { policyProxy, UNKNOWN_VALUES } from "./policy-proxy";
export { SECRET_SIG, SECRET_SIG_KEY } from "./secret-wire";
export { VERIFIED_VERSIONS } from "./versions";
