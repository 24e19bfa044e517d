import { readdirSync } from "node:fs";
import { basename, delimiter, isAbsolute, join, relative, resolve } from "node:path";
import {
  type InputProblem,
  isPlatformInputError,
  PlatformInputError,
} from "../../components/errors/input-error";
import { type ServiceSpec, serviceSpecSchema } from "../../components/service/spec";
import { readSpecFile, type SpecFile } from "./spec-file";
import { specProblems } from "./spec-issues";
import { CATALOG_DIRECTORY, validateCatalog } from "./validate";

// The catalog as data: one YAML file per service in infra/catalog/services/, plus specs a service
// repository keeps next to its code (`--service-spec <file>`, or PLATFORM_SERVICE_SPECS for the
// Pulumi program). Everything is read and validated before the program registers anything.

const ROOT = resolve(__dirname, "..", "..");

/** The Pulumi program reads extra spec files from here: paths separated like PATH (':' on Linux). */
export const SERVICE_SPECS_ENV = "PLATFORM_SERVICE_SPECS";

export interface Catalog {
  services: ServiceSpec[];
  /** The file each service came from, as shown in messages. */
  sourceOf(service: string): string;
}

export interface CatalogOptions {
  /** The directory of the platform's own specs. Default infra/catalog/services. */
  directory?: string;
  /** Specs from outside: a spec whose name is in the directory replaces it, any other is added. */
  specFiles?: readonly string[];
}

/** Extra spec files named by PLATFORM_SERVICE_SPECS, resolved against the working directory. */
export function specFilesFromEnv(env: NodeJS.ProcessEnv = process.env): string[] {
  return (env[SERVICE_SPECS_ENV] ?? "").split(delimiter).filter((p) => p.trim() !== "");
}

/** How a path reads in a message: relative to the repository when inside it, else as given. */
function shownPath(absolute: string, given = absolute): string {
  const rel = relative(ROOT, absolute);
  return rel.startsWith("..") || isAbsolute(rel) ? given : rel;
}

interface SpecSource {
  absolute: string;
  shown: string;
  /** Given on the command line (or PLATFORM_SERVICE_SPECS) rather than found in the directory. */
  external: boolean;
}

export function loadCatalog(options: CatalogOptions = {}): Catalog {
  const directory = resolve(options.directory ?? join(ROOT, CATALOG_DIRECTORY));
  const problems: InputProblem[] = [];
  let entries: string[];
  try {
    entries = readdirSync(directory).sort();
  } catch (error) {
    throw new PlatformInputError([
      {
        source: `${shownPath(directory)}/`,
        field: "(catalog)",
        problem: `cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
        fix: "restore the catalog directory, one <name>.yaml per service",
      },
    ]);
  }
  const files: SpecSource[] = [];
  for (const entry of entries) {
    if (entry.startsWith(".")) continue;
    const absolute = join(directory, entry);
    if (!entry.endsWith(".yaml")) {
      problems.push({
        source: shownPath(absolute),
        field: "(file)",
        problem: "is not a service spec: the catalog directory holds only <name>.yaml files",
        fix: entry.endsWith(".yml")
          ? `rename it to ${basename(entry, ".yml")}.yaml`
          : "move it out of the directory",
      });
      continue;
    }
    files.push({ absolute, shown: shownPath(absolute), external: false });
  }
  for (const given of options.specFiles ?? []) {
    files.push({ absolute: resolve(given), shown: shownPath(resolve(given), given), external: true });
  }
  return assemble([], files, problems);
}

/**
 * A catalog plus spec files from elsewhere (a service repository): a spec whose name is already
 * in the catalog replaces that entry in place, any other joins the end. Validated as a whole.
 */
export function withSpecFiles(base: readonly ServiceSpec[], specFiles: readonly string[]): Catalog {
  return assemble(
    base,
    specFiles.map((given) => ({
      absolute: resolve(given),
      shown: shownPath(resolve(given), given),
      external: true,
    })),
    [],
  );
}

function assemble(
  base: readonly ServiceSpec[],
  files: readonly SpecSource[],
  problems: InputProblem[],
): Catalog {
  const sources = new Map<string, string>();
  const located = new Map<string, SpecFile>();
  const byName = new Map<string, ServiceSpec>(base.map((s) => [s.name, s]));
  const external = new Set<string>();
  for (const f of files) {
    const read = readSpecFile(f.absolute, f.shown);
    if ("problem" in read) {
      problems.push(read.problem);
      continue;
    }
    const { file } = read;
    const result = serviceSpecSchema.safeParse(file.data);
    if (!result.success) {
      problems.push(
        ...specProblems(result.error.issues, serviceSpecSchema, file.data, {
          source: f.shown,
          locate: file.locate,
        }),
      );
      continue;
    }
    const spec = result.data;
    const stem = basename(f.absolute).replace(/\.ya?ml$/, "");
    if (!f.external && stem !== spec.name) {
      problems.push({
        source: file.locate(["name"]),
        field: "name",
        problem: `"${spec.name}" differs from the file name "${stem}.yaml"`,
        fix: `rename the file to ${spec.name}.yaml, or set name: ${stem}`,
      });
      continue;
    }
    if (f.external && external.has(spec.name)) {
      problems.push({
        source: file.locate(["name"]),
        field: "name",
        problem: `service "${spec.name}" is also specified by ${sources.get(spec.name)}`,
        fix: "pass one spec file per service",
      });
      continue;
    }
    if (f.external) external.add(spec.name);
    byName.set(spec.name, spec);
    sources.set(spec.name, f.shown);
    located.set(spec.name, file);
  }
  if (problems.length > 0) throw new PlatformInputError(problems);

  const catalog: Catalog = {
    services: [...byName.values()],
    sourceOf: (service) => sources.get(service) ?? `${CATALOG_DIRECTORY}/${service}.yaml`,
  };
  try {
    validateCatalog(catalog.services, catalog.sourceOf);
  } catch (error) {
    if (!isPlatformInputError(error)) throw error;
    // Point each problem at its line in the file it came from.
    throw new PlatformInputError(
      error.problems.map((p) => {
        const file = [...located.values()].find((f) => f.shown === p.source);
        return file ? { ...p, source: file.locate(parseFieldPath(p.field)) } : p;
      }),
    );
  }
  return catalog;
}

/** `scheduledJobs[0].schedule` back into ["scheduledJobs", 0, "schedule"]. */
function parseFieldPath(field: string): PropertyKey[] {
  return [...field.matchAll(/([^.[\]]+)|\[(\d+)\]/g)].map((m) =>
    m[2] !== undefined ? Number(m[2]) : (m[1] as string),
  );
}
