import { describe, expect, it } from "vitest";
import { isPlatformInputError } from "../../components/errors/input-error";
import { MAX_URL_PATH } from "../../components/kube/url-path";
import type { ServiceSpec } from "../../components/service/spec";
import { loadCatalog } from "../../infra/catalog/load";
import { validateCatalog } from "../../infra/catalog/validate";

// Every path a spec gives (a route's pathPrefix, the readiness probe's path) must be one the
// Gateway API and the kubelet accept as written: variants of the catalog's own paths that a
// proxy would normalise elsewhere, or the API server refuses, are refused with the field.

const catalog = loadCatalog().services;

/** Ways to spoil a valid absolute path, each keeping its start. */
const spoiled = (path: string): string[] => [
  `${path}/../admin`,
  `${path}/./x`,
  `${path}/..`,
  `${path}/.`,
  `${path}//x`,
  `${path} x`,
  `${path}/x?y=1`,
  `${path}#x`,
  `${path}*`,
  `${path}%2Fx`,
  `${path}%zz`,
  `${path}/é`,
  `${path}/\u202ex`,
  `${path}/${"a".repeat(MAX_URL_PATH)}`,
  path.slice(1),
];
/** Ways to extend it that stay valid. */
const extended = (path: string): string[] => [`${path}/v2`, `${path}/a%20b`, `${path}/a.b~c-d_e`];

function problemsFor(services: ServiceSpec[]): string {
  try {
    validateCatalog(services);
  } catch (error) {
    if (!isPlatformInputError(error)) throw error;
    return error.message;
  }
  return "";
}

function withChanged(name: string, change: (s: ServiceSpec) => ServiceSpec): ServiceSpec[] {
  return catalog.map((s) => (s.name === name ? change(s) : s));
}

describe("route path prefixes", () => {
  const owner = catalog.find((s) => (s.routes ?? []).length > 0);
  if (!owner) throw new Error("the catalog has no route");
  const original = owner.routes?.[0]?.pathPrefix as string;
  for (const path of spoiled(original)) {
    it(`refuses ${JSON.stringify(path.slice(0, 60))}`, () => {
      const message = problemsFor(
        withChanged(owner.name, (s) => ({ ...s, routes: [{ ...s.routes?.[0], pathPrefix: path }] })),
      );
      expect(message).toMatch(/routes\[0\]\.pathPrefix: is not an absolute URL path: it /);
      expect(message.split("\n")).toHaveLength(2);
    });
  }
  for (const path of extended(original)) {
    it(`accepts ${path}`, () => {
      expect(
        problemsFor(
          withChanged(owner.name, (s) => ({ ...s, routes: [{ ...s.routes?.[0], pathPrefix: path }] })),
        ),
      ).toBe("");
    });
  }
});

describe("readiness paths", () => {
  const service = catalog[0] as ServiceSpec;
  for (const path of spoiled(service.readinessPath)) {
    it(`refuses ${JSON.stringify(path.slice(0, 60))}`, () => {
      const message = problemsFor(withChanged(service.name, (s) => ({ ...s, readinessPath: path })));
      expect(message).toMatch(/readinessPath: is not an absolute URL path: it /);
      expect(message.split("\n")).toHaveLength(2);
    });
  }
  for (const path of extended(service.readinessPath)) {
    it(`accepts ${path}`, () => {
      expect(problemsFor(withChanged(service.name, (s) => ({ ...s, readinessPath: path })))).toBe("");
    });
  }
});
