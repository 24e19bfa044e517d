// The official Varnish image and the Prometheus exporter that reads its counters, pinned (one place
// to bump them). The exporter image is built FROM the official Varnish image of the version its
// tag names (`<exporter>-varnish-<version>`) and runs that version's varnishstat on our varnishd's
// shared memory: keep the two versions equal (test/http-cache/metrics.test.ts fails otherwise).
// varnishd compiles the VCL the platform generates; test/http-cache checks that VCL with a local
// varnishd when one is installed.

/** By name, like the other third-party pins: `platform:images.mirror` and `overrides` apply. */
export const httpCacheImages = {
  varnish: "docker.io/library/varnish:7.7.3",
  varnishExporter: "ghcr.io/otto-de/prometheus-varnish-exporter:1.8.3-varnish-7.7.3",
} as const;
