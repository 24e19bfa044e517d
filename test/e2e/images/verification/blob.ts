import { createHmac } from "node:crypto";
import { request } from "node:http";

// Blob Storage requests signed with Shared Key, the way an Azure SDK signs them, for the check: put a
// block blob and get it back with the credentials a service is given (its connection string).

const API_VERSION = "2021-08-06";

export interface BlobAccount {
  account: string;
  key: string;
  /** `BlobEndpoint` of the connection string: `http://host:port/<account>` (path style). */
  endpoint: string;
}

/** AccountName, AccountKey and BlobEndpoint of an Azure Storage connection string. */
export function parseConnectionString(value: string): BlobAccount {
  const parts = new Map(
    value
      .split(";")
      .filter(Boolean)
      .map((p) => {
        const i = p.indexOf("=");
        return [p.slice(0, i), p.slice(i + 1)] as const;
      }),
  );
  const account = parts.get("AccountName");
  const key = parts.get("AccountKey");
  const endpoint = parts.get("BlobEndpoint");
  if (!account || !key || !endpoint)
    throw new Error("a connection string without AccountName, AccountKey or BlobEndpoint");
  return { account, key, endpoint: endpoint.replace(/\/$/, "") };
}

/** Shared Key string-to-sign of the Blob service (standard headers, x-ms-* headers, resource). */
export function stringToSign(o: {
  verb: string;
  account: string;
  path: string;
  query?: Record<string, string>;
  headers: Record<string, string>;
}): string {
  const h = (name: string) => o.headers[name] ?? "";
  const length = h("content-length") === "0" ? "" : h("content-length");
  const canonicalHeaders = Object.keys(o.headers)
    .filter((k) => k.startsWith("x-ms-"))
    .sort()
    .map((k) => `${k}:${o.headers[k]}`)
    .join("\n");
  const query = Object.keys(o.query ?? {})
    .sort()
    .map((k) => `\n${k}:${o.query?.[k]}`)
    .join("");
  return [
    o.verb,
    h("content-encoding"),
    h("content-language"),
    length,
    h("content-md5"),
    h("content-type"),
    "", // Date: x-ms-date is sent instead
    h("if-modified-since"),
    h("if-match"),
    h("if-none-match"),
    h("if-unmodified-since"),
    h("range"),
    canonicalHeaders,
    `/${o.account}${o.path}${query}`,
  ].join("\n");
}

export interface BlobResponse {
  status: number;
  body: Buffer;
}

/**
 * A signed request for `<endpoint>/<container>[/<blob>]`; `address` is where the endpoint's host
 * connects (the Service address, as kube-proxy would route it: the URL and Host header stay).
 */
export function blobRequest(
  a: BlobAccount,
  o: { verb: "PUT" | "GET"; container: string; blob?: string; body?: Buffer; address: string },
): Promise<BlobResponse> {
  const url = new URL(`${a.endpoint}/${o.container}${o.blob ? `/${o.blob}` : ""}`);
  const body = o.body ?? Buffer.alloc(0);
  const headers: Record<string, string> = {
    "x-ms-date": new Date().toUTCString(),
    "x-ms-version": API_VERSION,
    "content-length": String(body.length),
    ...(o.verb === "PUT"
      ? { "x-ms-blob-type": "BlockBlob", "content-type": "application/octet-stream" }
      : {}),
  };
  const signature = createHmac("sha256", Buffer.from(a.key, "base64"))
    .update(stringToSign({ verb: o.verb, account: a.account, path: url.pathname, headers }), "utf8")
    .digest("base64");
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: o.verb,
        headers: { ...headers, authorization: `SharedKey ${a.account}:${signature}` },
        // The Service name resolves to `address` (with `all`, as Node's happy eyeballs asks, a list).
        lookup: (_host, opts, cb) =>
          (opts as { all?: boolean }).all
            ? cb(null, [{ address: o.address, family: 4 }])
            : (cb as unknown as (e: null, a: string, f: number) => void)(null, o.address, 4),
        timeout: 10_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`${o.verb} ${url.href}: no answer within 10 s`)));
    req.on("error", reject);
    req.end(body);
  });
}
