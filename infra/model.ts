import type { DeployedService } from "../components/service/deployed-service";
import type { ReplicaRange, ServiceSpec } from "../components/service/spec";
import { ServiceGraph } from "./catalog/graph";
import { closestName } from "./catalog/suggest";

export type { ReplicaRange };

import { type InputProblem, PlatformInputError } from "../components/errors/input-error";
import { repositoryLengthProblem, type StackConfig } from "./config/schema";

// The catalog as this stack runs it: which services (a subgraph when `only` is set), which
// image, how many replicas, which log level. Pure data, computed before any resource exists.

export interface PlatformModel {
  graph: ServiceGraph;
  services: DeployedService[];
}

function suggestion(name: string, names: readonly string[]): string | undefined {
  const hint = closestName(name, names);
  return hint ? `did you mean "${hint}"?` : undefined;
}

export function imageReference(registry: string, repository: string, tag: string): string {
  return tag.startsWith("sha256:") ? `${registry}/${repository}@${tag}` : `${registry}/${repository}:${tag}`;
}

export function buildModel(
  config: StackConfig,
  catalog: readonly ServiceSpec[],
  source: string,
): PlatformModel {
  const full = new ServiceGraph(catalog);
  const problems: InputProblem[] = [];
  for (const name of Object.keys(config.services)) {
    if (!full.has(name)) {
      problems.push({
        source,
        field: `platform:services.${name}`,
        problem: `"${name}" is not a service of the catalog`,
        fix: suggestion(name, full.names()) ?? `override one of: ${full.names().join(", ")}`,
      });
    }
  }
  for (const [i, name] of (config.only ?? []).entries()) {
    if (!full.has(name)) {
      problems.push({
        source,
        field: `platform:only[${i}]`,
        problem: `"${name}" is not a service of the catalog`,
        fix: suggestion(name, full.names()) ?? `name services of the catalog: ${full.names().join(", ")}`,
      });
    }
  }
  for (const spec of catalog) {
    const problem = repositoryLengthProblem(`${config.images.registry}/${spec.image ?? spec.name}`);
    if (problem) {
      problems.push({
        source,
        field: "platform:images.registry",
        problem: `with service ${spec.name} (image ${spec.image ?? spec.name}) ${problem}`,
        fix: "use a shorter registry path",
      });
      break;
    }
  }
  if (problems.length > 0) throw new PlatformInputError(problems);

  const graph = config.only ? full.subgraph(full.closure(config.only)) : full;
  const cap = (n: number) => Math.min(n, config.replicaCap);
  const services = graph.services.map((spec): DeployedService => {
    const override = config.services[spec.name];
    const range = override?.replicas ?? spec.web.replicas ?? { min: 1, max: 1 };
    const tag = override?.imageTag ?? config.images.tag;
    return {
      spec,
      image: imageReference(config.images.registry, spec.image ?? spec.name, tag),
      replicas: { min: cap(range.min), max: cap(range.max) },
      consumerReplicas: Object.fromEntries(
        (spec.messaging?.consumers ?? []).map((c) => [c.name, cap(c.replicas ?? 1)]),
      ),
      logLevel: override?.logLevel ?? config.logLevel,
    };
  });
  return { graph, services };
}
