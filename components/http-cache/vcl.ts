import { clusterHost } from "../kube/cluster-dns";
import type { CachedRoute } from "./cached-routes";
import { cachedServices } from "./cached-routes";

// The VCL of the cache tier, generated from the catalog's cached routes: one backend per service,
// one block per route (ttl, grace, keep, vary, esi, authenticated or not), invalidation by tag
// (BAN with X-Cache-Tags, FOSHttpCache's Varnish convention) and by URL (PURGE), accepted only on
// the purge listener. Uses stock Varnish only (no vmod), so `varnishd -C` checks it anywhere.

export interface VclArgs {
  namespace: string;
  /** The services' HTTP port. */
  backendPort: number;
  routes: readonly CachedRoute[];
}

/** The header carrying the route index from vcl_recv to the backend side and to the hash. */
const ROUTE_HEADER = "X-Platform-Cache-Route";
/** Slow services are the reason for the tier: allow minutes to the first byte. */
const FIRST_BYTE_TIMEOUT_SECONDS = 300;

/** A VCL identifier for a service name (DNS label: letters, digits, '-'). */
export function backendName(service: string): string {
  return `svc_${service.replace(/-/g, "_")}`;
}

/** Regular expression (VCL long string) matching a path prefix at a segment boundary. */
function prefixRegex(prefix: string): string {
  const escaped = prefix.replace(/\/+$/, "").replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return `^${escaped}(/|\\?|$)`;
}

function vclString(value: string): string {
  if (/["\n\r]/.test(value)) throw new Error(`cannot put ${JSON.stringify(value)} in a VCL string`);
  return `"${value}"`;
}

function backends(args: VclArgs): string[] {
  const byService = new Map(args.routes.map((r) => [r.service, r.readinessPath]));
  return cachedServices(args.routes).flatMap((service) => [
    `backend ${backendName(service)} {`,
    `  .host = ${vclString(clusterHost(service, args.namespace))};`,
    `  .port = ${vclString(String(args.backendPort))};`,
    `  .first_byte_timeout = ${FIRST_BYTE_TIMEOUT_SECONDS}s;`,
    "  .probe = {",
    `    .url = ${vclString(byService.get(service) ?? "/")};`,
    "    .interval = 5s;",
    "    .timeout = 2s;",
    "    .window = 5;",
    "    .threshold = 3;",
    "  }",
    "}",
    "",
  ]);
}

function recv(routes: readonly CachedRoute[]): string[] {
  const lines = [
    "sub vcl_recv {",
    '  if (local.socket == "purge") {',
    "    call platform_invalidate;",
    "  }",
    '  if (req.method == "BAN" || req.method == "PURGE") {',
    '    return (synth(405, "Invalidation is accepted on the purge listener only"));',
    "  }",
    '  if (req.url == "/.platform/cache-ready") {',
    '    return (synth(200, "Ready"));',
    "  }",
    `  unset req.http.${ROUTE_HEADER};`,
  ];
  routes.forEach((r, i) => {
    lines.push(
      `  ${i === 0 ? "if" : "elsif"} (req.url ~ ${vclString(prefixRegex(r.pathPrefix))}) {`,
      `    set req.backend_hint = ${backendName(r.service)};`,
      `    set req.http.${ROUTE_HEADER} = "${i}";`,
    );
    if (r.cache.esi) lines.push('    set req.http.Surrogate-Capability = "varnish=ESI/1.0";');
    if (!r.cache.cacheAuthenticated) {
      lines.push(
        "    # Personalised requests bypass the cache unless the route opts in (cacheAuthenticated).",
        "    if (req.http.Authorization || req.http.Cookie) {",
        "      return (pass);",
        "    }",
      );
    }
    lines.push("  }");
  });
  lines.push(
    "  else {",
    '    return (synth(404, "Not a cached route"));',
    "  }",
    '  if (req.method != "GET" && req.method != "HEAD") {',
    "    return (pass);",
    "  }",
    "  return (hash);",
    "}",
    "",
  );
  return lines;
}

function invalidate(): string[] {
  return [
    "sub platform_invalidate {",
    '  if (req.method == "BAN") {',
    "    if (req.http.X-Cache-Tags) {",
    '      ban("obj.http.X-Cache-Tags ~ " + req.http.X-Cache-Tags);',
    "    } elsif (req.http.X-Url) {",
    '      ban("obj.http.X-Url ~ " + req.http.X-Url);',
    "    } else {",
    '      return (synth(400, "BAN needs X-Cache-Tags or X-Url"));',
    "    }",
    '    return (synth(200, "Banned"));',
    "  }",
    '  if (req.method == "PURGE") {',
    "    return (purge);",
    "  }",
    '  return (synth(405, "The purge listener takes BAN and PURGE"));',
    "}",
    "",
  ];
}

function hash(routes: readonly CachedRoute[]): string[] {
  const lines = ["sub vcl_hash {"];
  routes.forEach((r, i) => {
    if (r.cache.vary.length === 0) return;
    lines.push(`  if (req.http.${ROUTE_HEADER} == "${i}") {`);
    for (const h of r.cache.vary) lines.push(`    hash_data(req.http.${h});`);
    lines.push("  }");
  });
  lines.push("}", "");
  return lines;
}

function backendResponse(routes: readonly CachedRoute[]): string[] {
  const lines = [
    "sub vcl_backend_response {",
    "  # Kept on the object for bans (the ban lurker reads obj.*, never req.*).",
    "  set beresp.http.X-Url = bereq.url;",
    "  if (beresp.status >= 500) {",
    "    # Never cache an error: grace keeps serving the last good copy instead.",
    "    if (bereq.is_bgfetch) {",
    "      return (abandon);",
    "    }",
    "    set beresp.uncacheable = true;",
    "    set beresp.ttl = 0s;",
    "    return (deliver);",
    "  }",
    '  if (beresp.http.Cache-Control ~ "(private|no-store|no-cache)") {',
    "    set beresp.uncacheable = true;",
    "    set beresp.ttl = 120s;",
    "    return (deliver);",
    "  }",
  ];
  routes.forEach((r, i) => {
    const c = r.cache;
    lines.push(`  if (bereq.http.${ROUTE_HEADER} == "${i}") {`);
    if (!c.cacheAuthenticated) {
      lines.push(
        "    if (beresp.http.Set-Cookie) {",
        "      # A response that sets a cookie is someone's: remember not to cache it (hit-for-miss).",
        "      set beresp.uncacheable = true;",
        "      set beresp.ttl = 120s;",
        "      return (deliver);",
        "    }",
      );
    }
    lines.push(
      '    if (beresp.http.Cache-Control !~ "(s-maxage|max-age)" && !beresp.http.Expires) {',
      `      set beresp.ttl = ${c.ttl}s;`,
      "    }",
      '    if (beresp.http.Cache-Control !~ "stale-while-revalidate") {',
      `      set beresp.grace = ${c.grace}s;`,
      "    }",
      `    set beresp.keep = ${c.keep}s;`,
    );
    if (c.esi) {
      lines.push(
        '    if (beresp.http.Surrogate-Control ~ "ESI/1.0") {',
        "      unset beresp.http.Surrogate-Control;",
        "      set beresp.do_esi = true;",
        "    }",
      );
    }
    lines.push("  }");
  });
  lines.push("  return (deliver);", "}", "");
  return lines;
}

function deliver(): string[] {
  return [
    "sub vcl_deliver {",
    "  # Tags and URLs serve invalidation only; clients see whether they got a hit.",
    "  unset resp.http.X-Cache-Tags;",
    "  unset resp.http.X-Url;",
    "  if (obj.hits > 0) {",
    '    set resp.http.X-Cache = "HIT";',
    "  } else {",
    '    set resp.http.X-Cache = "MISS";',
    "  }",
    "}",
    "",
  ];
}

export function renderVcl(args: VclArgs): string {
  return [
    "vcl 4.1;",
    "",
    "# Generated by the platform from the service catalog (docs/http-cache.md). Do not edit.",
    "",
    "backend default none;",
    "",
    ...backends(args),
    ...recv(args.routes),
    ...invalidate(),
    ...hash(args.routes),
    ...backendResponse(args.routes),
    ...deliver(),
  ].join("\n");
}
