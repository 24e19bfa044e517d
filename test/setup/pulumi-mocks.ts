import * as pulumi from "@pulumi/pulumi";
import type { State } from "../../tools/plan/mock-kit";
import { mockCall, mockId, mockState } from "../../tools/plan/mock-state";

// Installed before any test module is imported: a resource constructed before setMocks never
// resolves its id. setMocks installs its monitor synchronously; each program run
// (test/helpers/program.ts) installs a fresh session on top.
void pulumi.runtime.setMocks(
  {
    newResource: (args) => {
      const state = mockState(args.type, args.name, args.inputs as State);
      return { id: args.custom ? mockId(args.type, args.name, state) : undefined, state };
    },
    call: (args) => mockCall(args.token, args.inputs as State),
  },
  "platform",
  "test",
  false,
);
