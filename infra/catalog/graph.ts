import type { ServiceSpec } from "../../components/service/spec";

// The service dependency graph: the catalog's `dependsOn` edges, queried by the program
// (network policies, subgraph selection) and rendered for humans (Mermaid).

export class ServiceGraph {
  private readonly byName: ReadonlyMap<string, ServiceSpec>;
  private readonly dependentsOf = new Map<string, string[]>();

  constructor(readonly services: readonly ServiceSpec[]) {
    this.byName = new Map(services.map((s) => [s.name, s]));
    for (const s of services) this.dependentsOf.set(s.name, []);
    for (const s of services) {
      for (const d of s.dependsOn) this.dependentsOf.get(d)?.push(s.name);
    }
  }

  get(name: string): ServiceSpec {
    const spec = this.byName.get(name);
    if (!spec) throw new Error(`unknown service "${name}"`);
    return spec;
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  names(): string[] {
    return this.services.map((s) => s.name);
  }

  dependencies(name: string): readonly string[] {
    return this.get(name).dependsOn;
  }

  /** Services that declare `name` as a dependency (who may call it). */
  dependents(name: string): readonly string[] {
    return this.dependentsOf.get(name) ?? [];
  }

  /** The named services plus everything they depend on, transitively, in catalog order. */
  closure(roots: readonly string[]): string[] {
    const seen = new Set<string>();
    const stack = [...roots];
    while (stack.length > 0) {
      const name = stack.pop() as string;
      if (seen.has(name)) continue;
      seen.add(name);
      stack.push(...this.get(name).dependsOn);
    }
    return this.names().filter((n) => seen.has(n));
  }

  /** A new graph restricted to `names`; edges to services outside it are dropped. */
  subgraph(names: readonly string[]): ServiceGraph {
    const keep = new Set(names);
    return new ServiceGraph(
      this.services
        .filter((s) => keep.has(s.name))
        .map((s) => ({ ...s, dependsOn: s.dependsOn.filter((d) => keep.has(d)) })),
    );
  }

  edges(): Array<[from: string, to: string]> {
    return this.services.flatMap((s) => s.dependsOn.map((d): [string, string] => [s.name, d]));
  }

  /** Mermaid flowchart: an arrow reads "calls". Public routes hang off the gateway node. */
  toMermaid(): string {
    const lines = ["flowchart LR", "  gateway{{public gateway}}"];
    for (const s of this.services) lines.push(`  ${s.name}[${s.name}]`);
    for (const s of this.services) {
      for (const r of s.routes ?? []) lines.push(`  gateway -- "${r.pathPrefix}" --> ${s.name}`);
    }
    for (const [from, to] of this.edges()) lines.push(`  ${from} --> ${to}`);
    return `${lines.join("\n")}\n`;
  }
}

/**
 * One cycle reachable in the graph, as a path that starts and ends with the same service, or
 * undefined. Edges listed in `ignored` ("a->b") are cycles the catalog accepted on purpose.
 */
export function findCycle(
  services: readonly ServiceSpec[],
  ignored: ReadonlySet<string>,
): string[] | undefined {
  const deps = new Map(
    services.map((s) => [s.name, s.dependsOn.filter((d) => !ignored.has(`${s.name}->${d}`))]),
  );
  const state = new Map<string, "visiting" | "done">();
  const path: string[] = [];

  const visit = (name: string): string[] | undefined => {
    const seen = state.get(name);
    if (seen === "done") return undefined;
    if (seen === "visiting") return [...path.slice(path.indexOf(name)), name];
    state.set(name, "visiting");
    path.push(name);
    for (const d of deps.get(name) ?? []) {
      const cycle = visit(d);
      if (cycle) return cycle;
    }
    path.pop();
    state.set(name, "done");
    return undefined;
  };

  for (const s of services) {
    const cycle = visit(s.name);
    if (cycle) return cycle;
  }
  return undefined;
}
