import type { ServiceSpec } from "../../components/service/spec";

// Synthetic catalogs for growth measurements: the same mix of needs as the real catalog
// (databases, Redis, buckets, consumers, cron jobs, public routes) and a realistic dependency
// graph: each service calls up to four earlier ones (acyclic by construction), a few hubs are
// called by many (like config), and a back-office-like service calls ten.

function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1_664_525 + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}

export function generatedCatalog(count: number, seed = 42): ServiceSpec[] {
  const random = prng(seed);
  const services: ServiceSpec[] = [];
  for (let i = 0; i < count; i++) {
    const name = `svc-${String(i).padStart(4, "0")}`;
    const earlier = services.map((s) => s.name);
    const dependsOn = new Set<string>();
    const hubs = earlier.slice(0, 3);
    if (hubs.length > 0 && random() < 0.7) dependsOn.add(hubs[Math.floor(random() * hubs.length)] as string);
    const fanOut = i > 0 && i % 25 === 0 ? 10 : Math.floor(random() * 4);
    for (let k = 0; k < fanOut && earlier.length > 0; k++)
      dependsOn.add(earlier[Math.floor(random() * earlier.length)] as string);
    const hasQueue = random() < 0.4;
    services.push({
      name,
      description: `generated service ${i}`,
      dependsOn: [...dependsOn],
      ...(random() < 0.85 ? { database: {} } : {}),
      ...(random() < 0.2 ? { buckets: [{ name: "files", purpose: "generated" }] } : {}),
      ...(hasQueue
        ? {
            messaging: {
              exchanges: [{ name: `${name}.events`, type: "topic" as const }],
              queues: [{ name: `${name}.work`, bindings: [{ exchange: `${name}.events`, routingKey: "#" }] }],
              consumers: [{ name: "worker", queues: [`${name}.work`] }],
            },
          }
        : {}),
      ...(random() < 0.2
        ? { scheduledJobs: [{ name: "nightly", schedule: "0 3 * * *", command: ["app:nightly"] }] }
        : {}),
      ...(random() < 0.6 ? { routes: [{ pathPrefix: `/api/${name}` }] } : {}),
      readinessPath: "/health/ready",
      web: { size: "small", replicas: { min: 2, max: 4 } },
    });
  }
  return services;
}
