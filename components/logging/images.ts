import { resolveImages, type ThirdPartyImageSource } from "../kube/third-party-images";

// Official Grafana images, pinned. Promtail's last releases track Loki's 3.x line; it reached end
// of life on 2026-03-02 and gets no more fixes, which is why Alloy is the default shipper. A stack
// can redirect them (`platform:images.mirror`, `platform:images.overrides`).

export const loggingImages = {
  loki: "docker.io/grafana/loki:3.5.5",
  alloy: "docker.io/grafana/alloy:v1.10.2",
  promtail: "docker.io/grafana/promtail:3.5.5",
} as const;

export type LoggingImages = Record<keyof typeof loggingImages, string>;

/** The logging images a stack runs: the pinned ones unless `source` redirects them. */
export function resolvedLoggingImages(source?: ThirdPartyImageSource): LoggingImages {
  return resolveImages(loggingImages, source);
}
