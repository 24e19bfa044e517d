import * as pulumi from "@pulumi/pulumi";
import type { State } from "./mock-kit";
import { mockCall, mockId, mockState } from "./mock-state";

// Runs the real program against Pulumi's mock runtime and records every registration the way the
// engine would see it: type, name, URN, parent, provider, dependencies, options and inputs.
// Pulumi's `Mocks` interface only sees type, name and inputs, so the recorder also wraps the mock
// monitor's registerResource to read the rest of the request.

export interface RecordedResource {
  urn: string;
  type: string;
  name: string;
  custom: boolean;
  parent?: string;
  provider?: string;
  dependencies: string[];
  propertyDependencies: Record<string, string[]>;
  protect: boolean;
  retainOnDelete: boolean;
  deleteBeforeReplace: boolean;
  ignoreChanges: string[];
  replaceOnChanges: string[];
  /** URNs whose replacement replaces this resource too (the `replaceWith` option). */
  replaceWith: string[];
  /** The `customTimeouts` option as the engine receives it (Go durations, e.g. "300s"). */
  customTimeouts?: { create?: string; update?: string; delete?: string };
  /** Inputs as the engine receives them: secrets are `{4dabf...: 1b47..., value}` wrappers. */
  inputs: State;
  /** Outputs answered by the mocks (inputs plus generated names and values), same encoding. */
  state: State;
  /** Physical id answered by the mocks (custom resources only). */
  id?: string;
}

interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getProvider(): string;
  getCustom(): boolean;
  getProtect(): boolean | undefined;
  getRetainondelete(): boolean | undefined;
  getDeletebeforereplace(): boolean;
  getDependenciesList(): string[];
  getIgnorechangesList(): string[];
  getReplaceonchangesList(): string[];
  getReplaceWithList(): string[];
  getCustomtimeouts(): { getCreate(): string; getUpdate(): string; getDelete(): string } | undefined;
  getPropertydependenciesMap(): {
    forEach(cb: (value: { getUrnsList(): string[] }, key: string) => void): void;
  };
}
interface RegisterResponse {
  getUrn(): string;
}
type Callback = (err: unknown, response?: RegisterResponse) => void;
interface MockMonitorLike {
  registerResource(req: RegisterRequest, cb: Callback): Promise<void>;
  resources: Map<string, { state: State; id: string | null }>;
}

// Internal SDK modules: stable across 3.x, and the only way to drain pending registrations.
const settings = require("@pulumi/pulumi/runtime/settings") as {
  getMonitor(): unknown;
  waitForRPCs(): Promise<void>;
};

export interface MockSession {
  resources: RecordedResource[];
  /** Resolves once every registration the program started has been answered. */
  settle(): Promise<void>;
}

export async function startMockSession(options: {
  project: string;
  stack: string;
  config: Record<string, string>;
  secretKeys: string[];
}): Promise<MockSession> {
  const resources: RecordedResource[] = [];
  // The mock monitor calls newResource synchronously inside registerResource (before its first
  // await): the inputs it deserialized are handed to the recorder below instead of decoding twice.
  let lastInputs: State = {};
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        lastInputs = args.inputs as State;
        const state = mockState(args.type, args.name, args.inputs as State);
        return { id: args.custom ? mockId(args.type, args.name, state) : undefined, state };
      },
      call: (args) => mockCall(args.token, args.inputs as State),
    },
    options.project,
    options.stack,
    false,
  );
  pulumi.runtime.setAllConfig(options.config, options.secretKeys);

  const monitor = settings.getMonitor() as MockMonitorLike;
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, cb) => {
    let inputs: State = {};
    const registered = register(req, (err, response) => {
      if (!err && response) {
        const urn = response.getUrn();
        const propertyDependencies: Record<string, string[]> = {};
        req.getPropertydependenciesMap().forEach((v, k) => {
          propertyDependencies[k] = v.getUrnsList();
        });
        const timeouts = req.getCustomtimeouts();
        const customTimeouts = timeouts
          ? Object.fromEntries(
              Object.entries({
                create: timeouts.getCreate(),
                update: timeouts.getUpdate(),
                delete: timeouts.getDelete(),
              }).filter(([, v]) => v !== ""),
            )
          : {};
        resources.push({
          urn,
          type: req.getType(),
          name: req.getName(),
          custom: req.getCustom(),
          ...(req.getParent() ? { parent: req.getParent() } : {}),
          ...(req.getProvider() ? { provider: req.getProvider() } : {}),
          dependencies: req.getDependenciesList(),
          propertyDependencies,
          protect: req.getProtect() ?? false,
          retainOnDelete: req.getRetainondelete() ?? false,
          deleteBeforeReplace: req.getDeletebeforereplace(),
          ignoreChanges: req.getIgnorechangesList(),
          replaceOnChanges: req.getReplaceonchangesList(),
          replaceWith: req.getReplaceWithList(),
          ...(Object.keys(customTimeouts).length > 0 ? { customTimeouts } : {}),
          inputs,
          state: monitor.resources.get(urn)?.state ?? {},
          ...(monitor.resources.get(urn)?.id ? { id: monitor.resources.get(urn)?.id as string } : {}),
        });
      }
      cb(err, response);
    });
    inputs = lastInputs;
    return registered;
  };

  return { resources, settle: () => settings.waitForRPCs() };
}
