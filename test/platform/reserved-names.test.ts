import { describe, expect, it } from "vitest";
import { isPlatformInputError } from "../../components/errors/input-error";
import { loadCatalog } from "../../infra/catalog/load";
import { MAX_SERVICE_NAME, validateCatalog } from "../../infra/catalog/validate";
import { kubernetesObjects } from "../../tools/plan/render";
import { runProgram } from "../../tools/plan/run";
import { readStackFile } from "../../tools/plan/stack-file";

// A service's objects are named after it (`<service>`, `<service>-env`, `<service>-migrate`...)
// in the namespace the platform's own components share. Every name a component gives one of its
// objects there, read from the planned stacks, must be refused as a service name: otherwise the
// service and the component overwrite each other's Deployment, Service or NetworkPolicy.

const ROOT = `${__dirname}/../..`;
const catalog = loadCatalog().services;
const DNS_1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

async function platformObjectNames(stack: string): Promise<string[]> {
  const file = readStackFile(ROOT, stack);
  const run = await runProgram({ stack, config: file.config, secretKeys: file.secretKeys });
  if (run.error) throw run.error;
  const owned = (name: string) =>
    catalog.some((s) => name === s.name || name.startsWith(`${s.name}-`) || name.endsWith(`-${s.name}`));
  const names = kubernetesObjects(run.resources)
    .map((o) => (o.metadata as { name?: string; namespace?: string } | undefined) ?? {})
    .filter((m) => m.namespace !== undefined && typeof m.name === "string")
    .map((m) => m.name as string)
    .filter((n) => !owned(n) && DNS_1035.test(n) && n.length <= MAX_SERVICE_NAME);
  return [...new Set(names)].sort();
}

function refusal(name: string): string {
  const [template] = catalog;
  if (!template) throw new Error("empty catalog");
  const { routes: _routes, acceptedCycles: _cycles, ...rest } = template;
  try {
    validateCatalog([...catalog, { ...rest, name }]);
  } catch (error) {
    if (isPlatformInputError(error)) return error.message;
    throw error;
  }
  return "";
}

describe("service names taken by the platform's own objects", () => {
  for (const stack of ["local", "prod"]) {
    it(`refuses every name a component uses in the ${stack} stack`, async () => {
      const names = await platformObjectNames(stack);
      expect(names.length).toBeGreaterThan(0);
      const accepted = names.filter((n) => !/name: .* is reserved for a platform component/.test(refusal(n)));
      if (accepted.length > 0)
        throw new Error(`names a service could take from a platform component: ${accepted.join(" ")}`);
    }, 120_000);
  }
});
