import * as pulumi from "@pulumi/pulumi";

// Pulumi's `Mocks` interface sees a registration's type, name and inputs only. To record the rest
// of what the engine would see (URN, parent, provider, dependencies, options), this wraps the mock
// monitor's registerResource and reads the protobuf request. It leans on internals:
// - runtime/settings.js `getMonitor()` returns the MockMonitor that setMocks installed, and
//   `waitForRPCs()` resolves once every registration started has been answered;
// - MockMonitor.registerResource(req, callback) calls mocks.newResource synchronously, before its
//   first await, and keeps each answer in `resources` (a Map by URN of `{state, id}`);
// - the RegisterResourceRequest getters below (proto/resource_pb.js).

type Props = Record<string, unknown>;

/** One registration as the engine receives it, answered by the mocks. */
export interface MockRegistration {
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
  inputs: Props;
  /** Outputs answered by the mocks (inputs plus generated names and values), same encoding. */
  state: Props;
  /** Physical id answered by the mocks (custom resources only). */
  id?: string;
}

/** The getters of proto/resource_pb.js RegisterResourceRequest this module reads. */
export const REGISTER_REQUEST_GETTERS = [
  "getType",
  "getName",
  "getParent",
  "getProvider",
  "getCustom",
  "getProtect",
  "getRetainondelete",
  "getDeletebeforereplace",
  "getDependenciesList",
  "getIgnorechangesList",
  "getReplaceonchangesList",
  "getReplaceWithList",
  "getCustomtimeouts",
  "getPropertydependenciesMap",
] as const;

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
export interface MockMonitorLike {
  registerResource(req: RegisterRequest, cb: Callback): Promise<void>;
  resources: Map<string, { state: Props; id: string | null }>;
}

export const settings = require("@pulumi/pulumi/runtime/settings") as {
  getMonitor(): unknown;
  waitForRPCs(): Promise<void>;
};

function mockMonitor(): MockMonitorLike {
  const monitor = settings.getMonitor() as Partial<MockMonitorLike> | undefined;
  if (typeof monitor?.registerResource !== "function" || !(monitor.resources instanceof Map)) {
    throw new Error(
      "tools/pulumi-internals: the mock monitor has no registerResource or resources map (unsupported @pulumi/pulumi version)",
    );
  }
  return monitor as MockMonitorLike;
}

/**
 * Installs `mocks` (pulumi.runtime.setMocks) and calls `onRegistered` with every registration the
 * mock monitor answers, in the order the answers come.
 */
export async function setRecordingMocks(
  mocks: pulumi.runtime.Mocks,
  project: string,
  stack: string,
  onRegistered: (registration: MockRegistration) => void,
): Promise<void> {
  // The inputs the monitor deserialized for newResource are handed to the recorder below instead
  // of decoding the request twice (newResource runs synchronously inside registerResource).
  let lastInputs: Props = {};
  await pulumi.runtime.setMocks(
    {
      ...mocks,
      newResource: (args) => {
        lastInputs = args.inputs as Props;
        return mocks.newResource(args);
      },
      call: (args) => mocks.call(args),
    },
    project,
    stack,
    false,
  );
  const monitor = mockMonitor();
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, cb) => {
    let inputs: Props = {};
    const registered = register(req, (err, response) => {
      if (!err && response) {
        const urn = response.getUrn();
        const propertyDependencies: Record<string, string[]> = {};
        req.getPropertydependenciesMap().forEach((v, k) => {
          propertyDependencies[k] = v.getUrnsList();
        });
        const answered = monitor.resources.get(urn);
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
        onRegistered({
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
          state: answered?.state ?? {},
          ...(answered?.id ? { id: answered.id } : {}),
        });
      }
      cb(err, response);
    });
    inputs = lastInputs;
    return registered;
  };
}

/** Resolves once every registration the program started has been answered. */
export function waitForRegistrations(): Promise<void> {
  return settings.waitForRPCs();
}
