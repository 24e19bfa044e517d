// The official Varnish image, pinned (one place to bump it). Its varnishd compiles the VCL the
// platform generates; test/http-cache checks that VCL with a local varnishd when one is installed.

/** By name, like the other third-party pins: `platform:images.mirror` and `overrides` apply. */
export const httpCacheImages = { varnish: "docker.io/library/varnish:7.6.1" } as const;
