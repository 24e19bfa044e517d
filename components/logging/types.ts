import type { NetworkPath } from "../backing/types";

// What the log pipeline takes from a log store, whichever profile runs it (in-cluster-loki.ts on a
// laptop and in CI, components/azure/azure-loki.ts with chunks in Blob Storage).

export interface LokiStore {
  pushUrl: string;
  queryUrl: string;
  path: NetworkPath;
}
