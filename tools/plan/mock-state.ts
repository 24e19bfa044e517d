import { createHash } from "node:crypto";
import { wrapSecret } from "./redact";
import "./mock-state-azure";

// What the offline plan answers for each resource the program registers: its inputs, plus the
// outputs a real provider would compute and the program reads (generated names, random values,
// a referenced stack's outputs). Deterministic: the same program plans to the same files.

export type State = Record<string, unknown>;
export type StateFn = (name: string, inputs: State) => State;

export function digest(...parts: string[]): string {
  return createHash("sha256").update(parts.join("\0")).digest("hex");
}

/** Pulumi's Kubernetes auto-naming: `<logical name>-<8 random characters>`. */
function kubernetesState(name: string, inputs: State, type: string): State {
  const metadata = (inputs.metadata ?? {}) as State;
  if (metadata.name !== undefined || type.startsWith("kubernetes:helm") || type.startsWith("kubernetes:yaml"))
    return inputs;
  return { ...inputs, metadata: { ...metadata, name: `${name}-${digest(type, name).slice(0, 8)}` } };
}

const byType = new Map<string, StateFn>([
  [
    "random:index/randomPassword:RandomPassword",
    (name, inputs) => {
      const length = Number(inputs.length ?? 16);
      const value = digest("password", name).repeat(4).slice(0, length);
      return { ...inputs, result: wrapSecret(value), bcryptHash: wrapSecret(`$2a$10$${value}`) };
    },
  ],
  [
    "random:index/randomBytes:RandomBytes",
    (name, inputs) => {
      const bytes = Buffer.from(digest("bytes", name), "hex").subarray(0, Number(inputs.length ?? 32));
      return {
        ...inputs,
        base64: wrapSecret(bytes.toString("base64")),
        hex: wrapSecret(bytes.toString("hex")),
      };
    },
  ],
  [
    "pulumi:pulumi:StackReference",
    (name) => ({
      name,
      outputs: {
        kubeconfig: "apiVersion: v1\nkind: Config\n# offline plan: the referenced stack's kubeconfig\n",
      },
      secretOutputNames: ["kubeconfig"],
    }),
  ],
]);

/** Profiles with cloud resources add their own answers (the Azure mocks register here). */
export function registerMockState(type: string, fn: StateFn): void {
  byType.set(type, fn);
}

export function mockState(type: string, name: string, inputs: State): State {
  const fn = byType.get(type);
  if (fn) return fn(name, inputs);
  if (type.startsWith("kubernetes:") && !type.startsWith("pulumi:providers"))
    return kubernetesState(name, inputs, type);
  return inputs;
}

export function mockId(type: string, name: string): string {
  return `${name}-${digest("id", type, name).slice(0, 12)}`;
}

export type CallFn = (inputs: State) => State;
const calls = new Map<string, CallFn>();

/** Provider functions (invokes) the program calls, answered offline. */
export function registerMockCall(token: string, fn: CallFn): void {
  calls.set(token, fn);
}

export function mockCall(token: string, inputs: State): State {
  const fn = calls.get(token);
  if (!fn) throw new Error(`the offline plan has no answer for the provider function ${token}`);
  return fn(inputs);
}
