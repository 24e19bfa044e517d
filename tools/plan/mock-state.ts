import { type CallFn, digest, type IdFn, type State, type StateFn } from "./mock-kit";
import { azureCalls, azureIds, azureStates } from "./mock-state-azure";
import { wrapSecret } from "./redact";

// What the offline plan answers for each resource the program registers: its inputs, plus the
// outputs a real provider would compute and the program reads (generated names, random values,
// a referenced stack's outputs). Deterministic: the same program plans to the same files.

/** Pulumi's Kubernetes auto-naming: `<logical name>-<8 random characters>`. */
function kubernetesState(name: string, inputs: State, type: string): State {
  const metadata = (inputs.metadata ?? {}) as State;
  if (metadata.name !== undefined || type.startsWith("kubernetes:helm") || type.startsWith("kubernetes:yaml"))
    return inputs;
  return { ...inputs, metadata: { ...metadata, name: `${name}-${digest(type, name).slice(0, 8)}` } };
}

const builtInStates: ReadonlyArray<[string, StateFn]> = [
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
];

// Every profile's answers in one place: a type or token is answered by exactly one table.
const states = new Map<string, StateFn>([...builtInStates, ...azureStates]);
const ids = new Map<string, IdFn>(azureIds);
const calls = new Map<string, CallFn>(azureCalls);

export function mockState(type: string, name: string, inputs: State): State {
  const fn = states.get(type);
  if (fn) return fn(name, inputs);
  if (type.startsWith("kubernetes:")) return kubernetesState(name, inputs, type);
  return inputs;
}

export function mockId(type: string, name: string, state: State): string {
  return ids.get(type)?.(name, state) ?? `${name}-${digest("id", type, name).slice(0, 12)}`;
}

/** Provider functions (invokes) the program calls, answered offline. */
export function mockCall(token: string, inputs: State): State {
  const fn = calls.get(token);
  if (!fn) throw new Error(`the offline plan has no answer for the provider function ${token}`);
  return fn(inputs);
}
