// Names and ports of the cache tier, shared by the pods, the Services, the network policies, the
// gateway and the services' environment.

export const HTTP_CACHE_NAME = "http-cache";
/** Headless Service resolving to every cache pod: the app fans a purge out to each address. */
export const HTTP_CACHE_PURGE_SERVICE = "http-cache-purge";
/** Cached traffic from the gateway. */
export const CACHE_HTTP_PORT = 8080;
/** BAN/PURGE from the platform's services only (a separate listener, so a policy can fence it). */
export const CACHE_PURGE_PORT = 8081;
/** The exporter sidecar's metrics (prometheus-varnish-exporter's own default port). */
export const CACHE_METRICS_PORT = 9131;
