import type { ServiceSpec } from "../../components/service/spec";
import { ServiceGraph } from "../../infra/catalog/graph";
import { closestName } from "../../infra/catalog/suggest";
import { UsageError } from "./errors";

// `--services a,b`: a subgraph of the platform, checked against the catalog before any stack is
// touched. The program applies `platform:only` itself (named services plus everything they
// depend on, transitively); the CLI computes the same closure to say what will be deployed.

export interface ServiceSelection {
  /** Names as requested, deduplicated, in the order given: written to `platform:only`. */
  requested: string[];
  /** What the program will deploy: the requested services and their transitive dependencies. */
  deployed: string[];
}

/** Splits `a,b, c` (and repeated flags) into names; empty entries are errors. */
export function parseServiceList(values: readonly string[]): string[] {
  const names: string[] = [];
  for (const value of values) {
    const parts = value.split(",").map((p) => p.trim());
    if (parts.some((p) => p.length === 0)) {
      throw new UsageError(`--services ${JSON.stringify(value)} has an empty entry: list names as a,b,c`);
    }
    for (const p of parts) if (!names.includes(p)) names.push(p);
  }
  return names;
}

export function selectServices(
  requested: readonly string[],
  catalog: readonly ServiceSpec[],
): ServiceSelection {
  const graph = new ServiceGraph(catalog);
  const unknown = requested.filter((n) => !graph.has(n));
  if (unknown.length > 0) {
    const lines = unknown.map((n) => {
      const near = closestName(n, graph.names());
      return `  "${n}" is not a service of the catalog${near ? ` (did you mean "${near}"?)` : ""}`;
    });
    throw new UsageError(
      `--services names ${unknown.length === 1 ? "a service" : "services"} the catalog does not have:\n${lines.join("\n")}\n  services: ${graph.names().join(", ")}`,
    );
  }
  return { requested: [...requested], deployed: graph.closure(requested) };
}
