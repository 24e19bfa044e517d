import * as pulumi from "@pulumi/pulumi";
import {
  type MockRegistration,
  setRecordingMocks,
  waitForRegistrations,
} from "../pulumi-internals/mock-monitor";
import type { State } from "./mock-kit";
import { mockCall, mockId, mockState } from "./mock-state";

// Runs the real program against Pulumi's mock runtime and records every registration the way the
// engine would see it: type, name, URN, parent, provider, dependencies, options and inputs.
// Pulumi's `Mocks` interface only sees type, name and inputs; reading the rest of the request is a
// Pulumi internal (tools/pulumi-internals/mock-monitor.ts).

export type RecordedResource = MockRegistration;

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
  await setRecordingMocks(
    {
      newResource: (args) => {
        const state = mockState(args.type, args.name, args.inputs as State);
        return { id: args.custom ? mockId(args.type, args.name, state) : undefined, state };
      },
      call: (args) => mockCall(args.token, args.inputs as State),
    },
    options.project,
    options.stack,
    (registration) => resources.push(registration),
  );
  pulumi.runtime.setAllConfig(options.config, options.secretKeys);
  return { resources, settle: waitForRegistrations };
}
