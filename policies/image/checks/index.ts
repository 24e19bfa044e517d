// Every check of the image audit, in report order.

import type { ImageCheck } from "../types";
import { devMode } from "./dev-mode";
import { dotenvCredentials } from "./dotenv-credentials";
import { envCredentials } from "./env-credentials";
import { nonRootUser } from "./non-root-user";
import { privateKeys } from "./private-keys";
import { replicatedFileState } from "./replicated-file-state";
import { runtimeContract } from "./runtime-contract";
import { startCommands } from "./start-commands";

export const imageChecks: readonly ImageCheck[] = [
  envCredentials,
  dotenvCredentials,
  privateKeys,
  nonRootUser,
  startCommands,
  devMode,
  replicatedFileState,
  runtimeContract,
];
