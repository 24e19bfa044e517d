import { type RouteCache, resolveRouteCache, type ServiceSpec } from "../service/spec";

// The routes of the catalog that opted into the cache tier, with their defaults applied: the one
// input of the VCL, the gateway's routing and the services' network policies.

export interface CachedRoute {
  service: string;
  pathPrefix: string;
  /** The service's readiness path, probed by Varnish so grace covers a sick backend. */
  readinessPath: string;
  cache: RouteCache;
}

export function cachedRoutes(services: readonly ServiceSpec[]): CachedRoute[] {
  return services.flatMap((s) =>
    (s.routes ?? []).flatMap((r) =>
      r.cache
        ? [
            {
              service: s.name,
              pathPrefix: r.pathPrefix,
              readinessPath: s.readinessPath,
              cache: resolveRouteCache(r.cache),
            },
          ]
        : [],
    ),
  );
}

/** Services that have at least one cached route (the cache's backends). */
export function cachedServices(routes: readonly CachedRoute[]): string[] {
  return [...new Set(routes.map((r) => r.service))].sort();
}
