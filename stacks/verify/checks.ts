// What "the deploy worked" means after `pulumi up`: every public route answers through the gateway
// without a gateway error, every service's readiness path answers 200 in the cluster, and no
// service's 5xx ratio (Caddy's metrics, read from Prometheus) goes above the bound during the
// watch window. Pure over an HTTP client, so the tests run it against a fake server.

export interface VerifiedService {
  name: string;
  /** In-cluster base URL (`http://content.platform.svc.cluster.local:80`). */
  url: string;
  readinessPath: string;
  /** Public path prefixes. */
  routes: string[];
}

export interface VerifyOptions {
  gatewayUrl?: string;
  prometheusUrl?: string;
  namespace: string;
  /** How long to watch the 5xx ratio, in seconds. */
  windowSeconds: number;
  /** Seconds between two Prometheus queries during the window. */
  intervalSeconds: number;
  maxErrorRatio: number;
  /** Per-request timeout, in milliseconds. */
  timeoutMs: number;
}

export interface Failure {
  service: string;
  check: "route" | "readiness" | "error-ratio";
  detail: string;
}

export interface VerifyIo {
  log(text: string): void;
  sleep(ms: number): Promise<void>;
}

async function get(
  url: string,
  timeoutMs: number,
): Promise<{ status: number; body: string } | { error: string }> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: "manual" });
    return { status: response.status, body: await response.text() };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    return { error: cause ?? (error as Error).name ?? "request failed" };
  }
}

/** A gateway answers 502, 503 or 504 when no ready backend serves the route. */
const GATEWAY_ERRORS = new Set([502, 503, 504]);

export async function checkRoutes(
  services: readonly VerifiedService[],
  options: VerifyOptions,
  io: VerifyIo,
): Promise<Failure[]> {
  const failures: Failure[] = [];
  if (!options.gatewayUrl) {
    io.log("routes: skipped, the stack has no gateway (no gatewayUrl output)\n");
    return failures;
  }
  for (const s of services) {
    for (const route of s.routes) {
      const url = `${options.gatewayUrl.replace(/\/$/, "")}${route}`;
      const r = await get(url, options.timeoutMs);
      if ("error" in r) failures.push({ service: s.name, check: "route", detail: `GET ${url}: ${r.error}` });
      else if (GATEWAY_ERRORS.has(r.status) || r.status >= 500)
        failures.push({ service: s.name, check: "route", detail: `GET ${url} answered ${r.status}` });
      else io.log(`route ${route} (${s.name}): ${r.status}\n`);
    }
  }
  return failures;
}

export async function checkReadiness(
  services: readonly VerifiedService[],
  options: VerifyOptions,
  io: VerifyIo,
): Promise<Failure[]> {
  const failures: Failure[] = [];
  for (const s of services) {
    const url = `${s.url.replace(/\/$/, "")}${s.readinessPath}`;
    const r = await get(url, options.timeoutMs);
    if ("error" in r)
      failures.push({ service: s.name, check: "readiness", detail: `GET ${url}: ${r.error}` });
    else if (r.status !== 200)
      failures.push({ service: s.name, check: "readiness", detail: `GET ${url} answered ${r.status}` });
    else io.log(`ready ${s.name}\n`);
  }
  return failures;
}

/** The PromQL for the 5xx ratio of every service of the namespace over `seconds`. */
export function errorRatioQuery(namespace: string, seconds: number): string {
  const scope = `namespace="${namespace}"`;
  return (
    `sum by (service) (increase(caddy_http_requests_total{${scope}, code=~"5.."}[${seconds}s]))` +
    ` / sum by (service) (increase(caddy_http_requests_total{${scope}}[${seconds}s]))`
  );
}

interface PromResponse {
  status: string;
  data?: { result: Array<{ metric: Record<string, string>; value: [number, string] }> };
  error?: string;
}

export async function watchErrorRatio(
  services: readonly VerifiedService[],
  options: VerifyOptions,
  io: VerifyIo,
): Promise<Failure[]> {
  if (!options.prometheusUrl) {
    io.log(
      "5xx ratio: skipped, no Prometheus (platform:monitoring.enabled is false and no --prometheus-url)\n",
    );
    return [];
  }
  const names = new Set(services.map((s) => s.name));
  const rounds = Math.max(1, Math.ceil(options.windowSeconds / options.intervalSeconds));
  const query = errorRatioQuery(options.namespace, options.windowSeconds);
  for (let round = 0; round < rounds; round++) {
    if (round > 0) await io.sleep(options.intervalSeconds * 1000);
    const url = `${options.prometheusUrl.replace(/\/$/, "")}/api/v1/query?query=${encodeURIComponent(query)}`;
    const r = await get(url, options.timeoutMs);
    if ("error" in r || r.status !== 200)
      return [
        {
          service: "prometheus",
          check: "error-ratio",
          detail: `cannot query ${options.prometheusUrl}: ${"error" in r ? r.error : `HTTP ${r.status}`}`,
        },
      ];
    const body = JSON.parse(r.body) as PromResponse;
    const failures: Failure[] = [];
    for (const sample of body.data?.result ?? []) {
      const service = sample.metric.service ?? "";
      const ratio = Number(sample.value[1]);
      if (!names.has(service) || !Number.isFinite(ratio)) continue;
      if (ratio > options.maxErrorRatio)
        failures.push({
          service,
          check: "error-ratio",
          detail: `${(ratio * 100).toFixed(1)}% of requests answered 5xx over ${options.windowSeconds}s (bound ${(options.maxErrorRatio * 100).toFixed(1)}%)`,
        });
    }
    if (failures.length > 0) return failures;
    io.log(
      `5xx ratio: every service under ${(options.maxErrorRatio * 100).toFixed(1)}% (${round + 1}/${rounds})\n`,
    );
  }
  return [];
}

export async function verify(
  services: readonly VerifiedService[],
  options: VerifyOptions,
  io: VerifyIo,
): Promise<Failure[]> {
  const failures = [
    ...(await checkReadiness(services, options, io)),
    ...(await checkRoutes(services, options, io)),
  ];
  // A service that is not even ready is already a failed deploy: no need to watch it for minutes.
  if (failures.length > 0) return failures;
  return watchErrorRatio(services, options, io);
}
