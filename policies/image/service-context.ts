// `--service <name>`: what the audit needs to know from the service's catalog spec. A service is
// replicated when its spec lets any of its long-running processes run more than one pod.

import { isPlatformInputError } from "../../components/errors/input-error";
import type { ServiceSpec } from "../../components/service/spec";
import { loadCatalog } from "../../infra/catalog/load";
import { closestName } from "../../infra/catalog/suggest";
import { ImageInputError } from "./source";
import type { ServiceContext } from "./types";

export function serviceContext(name: string): ServiceContext {
  let catalog: ServiceSpec[];
  try {
    catalog = loadCatalog().services;
  } catch (error) {
    if (isPlatformInputError(error)) throw new ImageInputError(`the catalog is invalid:\n${error.message}`);
    throw error;
  }
  const spec = catalog.find((s) => s.name === name);
  if (!spec) {
    const hint = closestName(
      name,
      catalog.map((s) => s.name),
    );
    throw new ImageInputError(
      `--service ${name}: no such service in the catalog${hint ? ` (did you mean ${hint}?)` : ""}`,
    );
  }
  const web = (spec.web.replicas?.max ?? 1) > 1;
  const workers = (spec.messaging?.consumers ?? []).some((c) => (c.replicas ?? 1) > 1);
  return { name, replicated: web || workers };
}
