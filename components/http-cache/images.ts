// The official Varnish image, pinned (one place to bump it). Its varnishd compiles the VCL the
// platform generates; test/http-cache checks that VCL with a local varnishd when one is installed.

export const VARNISH_IMAGE = "docker.io/library/varnish:7.6.1";
