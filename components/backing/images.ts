import { resolveImages, type ThirdPartyImageSource } from "../kube/third-party-images";

// Official upstream images of the backing services, pinned: shared by both profiles (the in-cluster
// servers, the Azure profile's operator and setup Jobs). One place to bump them;
// the Azure profile uses the same PostgreSQL image for its setup Job (psql only). A stack can
// redirect them to a mirror or replace them (`platform:images.mirror`, `platform:images.overrides`).

export const images = {
  postgres: "docker.io/library/postgres:17.6-alpine",
  redis: "docker.io/library/redis:8.2.1-alpine",
  rabbitmq: "docker.io/library/rabbitmq:4.1.4-management-alpine",
  postgresExporter: "quay.io/prometheuscommunity/postgres-exporter:v0.17.1",
  redisExporter: "docker.io/oliver006/redis_exporter:v1.81.0",
  azurite: "mcr.microsoft.com/azure-storage/azurite:3.37.0",
} as const;

export type BackingImages = Record<keyof typeof images, string>;

/** The backing images a stack runs: the pinned ones unless `source` redirects them. */
export function backingImages(source?: ThirdPartyImageSource): BackingImages {
  return resolveImages(images, source);
}
