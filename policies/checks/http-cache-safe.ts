// http-cache-safe: prevents a shared HTTP cache from serving one user's response to another, and
// anyone from emptying it. A shared cache (Varnish) that keys a page by URL only and stores a
// response to a request carrying Authorization or Cookie, or a response setting a cookie, hands
// that person's page (and session) to the next visitor; a purge listener open to everyone lets any
// client flush the cache and put the slow backends under full load. Inspected: every ConfigMap
// holding a VCL file (`*.vcl`, hand-written or generated) and the platform's route list on the
// generated one (annotation `platform.internal/http-cache-routes`). Flagged: a route with
// cacheAuthenticated whose key does not vary on the credential (Authorization or Cookie); a VCL
// whose vcl_recv returns hash without looking at Authorization/Cookie, or whose
// vcl_backend_response sets a TTL without looking at Set-Cookie (returning skips the built-in
// safeguards); a VCL that bans or purges without confining it to a listener (local.socket) or
// an ACL (client.ip ~).

import type { StackValidationPolicy } from "@pulumi/policy";
import { configMapData } from "../lib/env";
import { at, isRec, str } from "../lib/json";
import { forStack } from "../lib/policy";
import { configSchema } from "../lib/report";

const POLICY = "http-cache-safe";
export const CACHED_ROUTES_ANNOTATION = "platform.internal/http-cache-routes";
const CREDENTIAL_HEADERS = ["authorization", "cookie"];

/** The body of one subroutine (up to the closing brace at column 0), or undefined. */
function subroutine(vcl: string, name: string): string | undefined {
  const m = new RegExp(`^sub\\s+${name}\\s*\\{([\\s\\S]*?)^\\}`, "m").exec(vcl);
  return m?.[1];
}

/** VCL without comments, so a commented-out guard does not count. */
function stripComments(vcl: string): string {
  return vcl.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:"])(#|\/\/).*$/gm, "$1");
}

export function vclFindings(source: string): string[] {
  const vcl = stripComments(source);
  const found: string[] = [];
  const recv = subroutine(vcl, "vcl_recv");
  if (recv && /return\s*\(\s*hash\s*\)/.test(recv) && !/req\.http\.(authorization|cookie)\b/i.test(recv))
    found.push(
      "vcl_recv returns hash without testing req.http.Authorization or req.http.Cookie: personalised requests are cached and served to others. Fix: return (pass) when either is present (the generated VCL does), or key the cache on it",
    );
  const beresp = subroutine(vcl, "vcl_backend_response");
  if (beresp && /set\s+beresp\.ttl\s*=/.test(beresp) && !/beresp\.http\.set-cookie\b/i.test(beresp))
    found.push(
      "vcl_backend_response sets a TTL without testing beresp.http.Set-Cookie: a response that opens someone's session is cached. Fix: mark responses with Set-Cookie uncacheable",
    );
  const invalidates = /\bban\s*\(/.test(vcl) || /return\s*\(\s*purge\s*\)/.test(vcl);
  if (invalidates && !/local\.socket\s*==/.test(vcl) && !/client\.ip\s*~/.test(vcl))
    found.push(
      "bans or purges without checking local.socket or client.ip against an ACL: any client can empty the cache. Fix: accept BAN/PURGE only on a purge listener fenced by a NetworkPolicy, or from an ACL",
    );
  return found;
}

export function routeFindings(annotation: string): string[] {
  let routes: unknown;
  try {
    routes = JSON.parse(annotation);
  } catch {
    return [`annotation ${CACHED_ROUTES_ANNOTATION} is not JSON. Fix: let the platform write it`];
  }
  if (!Array.isArray(routes))
    return [`annotation ${CACHED_ROUTES_ANNOTATION} is not a list. Fix: let the platform write it`];
  const found: string[] = [];
  for (const route of routes) {
    if (!isRec(route) || route.cacheAuthenticated !== true) continue;
    const vary = Array.isArray(route.vary) ? route.vary.map((h) => String(h).toLowerCase()) : [];
    if (CREDENTIAL_HEADERS.some((h) => vary.includes(h))) continue;
    found.push(
      `route ${str(route.pathPrefix) ?? "?"} of service ${str(route.service) ?? "?"} caches authenticated responses (cacheAuthenticated: true) in one copy for every caller. Fix: remove cacheAuthenticated, or add Authorization or Cookie to its vary so each credential gets its own copy`,
    );
  }
  return found;
}

export const httpCacheSafe: StackValidationPolicy = {
  name: POLICY,
  description:
    "A shared HTTP cache never stores personalised responses for everyone, and only the platform can purge it.",
  enforcementLevel: "mandatory",
  configSchema: configSchema(),
  validateStack: forStack(POLICY, ({ index, r }) => {
    for (const cm of index.ofKind("ConfigMap")) {
      const findings: string[] = [];
      for (const [key, value] of Object.entries(configMapData(cm.props)))
        if (key.endsWith(".vcl")) findings.push(...vclFindings(value).map((f) => `${key}: ${f}`));
      const annotation = str(at(cm.props, "metadata", "annotations", CACHED_ROUTES_ANNOTATION));
      if (annotation !== undefined) findings.push(...routeFindings(annotation));
      for (const f of findings) r.violation(cm.target, `${f}.`);
    }
  }),
};
