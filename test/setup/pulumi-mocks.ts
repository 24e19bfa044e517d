import * as pulumi from "@pulumi/pulumi";
import { mockCall, mockId, mockState, type State } from "../../tools/plan/mock-state";

// Installed before any test module is imported: a resource constructed before setMocks never
// resolves its id. setMocks installs its monitor synchronously; each program run
// (test/helpers/program.ts) installs a fresh session on top.
void pulumi.runtime.setMocks(
  {
    newResource: (args) => ({
      id: args.custom ? mockId(args.type, args.name) : undefined,
      state: mockState(args.type, args.name, args.inputs as State),
    }),
    call: (args) => mockCall(args.token, args.inputs as State),
  },
  "platform",
  "test",
  false,
);
