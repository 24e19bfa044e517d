// Creates Blob containers on Azurite (or any Blob endpoint in path style) with Shared Key
// authorisation, using nothing but Node's standard library: it runs in the Azurite image itself.
//
// Environment:
//   AZURITE_ACCOUNTS  "account1:base64key1;account2:base64key2" (a Secret)
//   BLOB_ENDPOINT     "http://azurite.platform.svc.cluster.local:10000"
//   CONTAINERS        "account1/container-a,account2/container-b"
// Idempotent: an existing container (409) counts as created.
import { createHmac } from "node:crypto";
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";

const API_VERSION = "2021-08-06";

export function parseAccounts(value) {
  const keys = new Map();
  for (const entry of (value ?? "").split(";").filter(Boolean)) {
    const i = entry.indexOf(":");
    if (i < 1) throw new Error("AZURITE_ACCOUNTS entries must look like account:key");
    keys.set(entry.slice(0, i), entry.slice(i + 1));
  }
  return keys;
}

/** Shared Key string-to-sign for "create container" (Blob service, path-style URL). */
export function stringToSign(account, container, date) {
  const headers = `x-ms-date:${date}\nx-ms-version:${API_VERSION}`;
  // Path-style URLs carry the account in the path, so it appears twice in the resource.
  const resource = `/${account}/${account}/${container}\nrestype:container`;
  return ["PUT", "", "", "", "", "", "", "", "", "", "", "", headers, resource].join("\n");
}

export async function createContainer(endpoint, account, key, container) {
  const date = new Date().toUTCString();
  const signature = createHmac("sha256", Buffer.from(key, "base64"))
    .update(stringToSign(account, container, date), "utf8")
    .digest("base64");
  const response = await fetch(`${endpoint}/${account}/${container}?restype=container`, {
    method: "PUT",
    headers: {
      "x-ms-date": date,
      "x-ms-version": API_VERSION,
      Authorization: `SharedKey ${account}:${signature}`,
      "Content-Length": "0",
    },
  });
  if (response.status !== 201 && response.status !== 409) {
    throw new Error(`creating ${account}/${container}: HTTP ${response.status} ${await response.text()}`);
  }
  return response.status === 201 ? "created" : "exists";
}

async function waitFor(endpoint, attempts = 60) {
  for (let i = 0; i < attempts; i++) {
    try {
      await fetch(endpoint);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
  throw new Error(`${endpoint} did not answer`);
}

export async function main(env = process.env) {
  const keys = parseAccounts(env.AZURITE_ACCOUNTS);
  const endpoint = env.BLOB_ENDPOINT;
  await waitFor(endpoint);
  for (const item of (env.CONTAINERS ?? "").split(",").filter(Boolean)) {
    const [account, container] = item.split("/");
    const key = keys.get(account);
    if (!key) throw new Error(`no key for account ${account}`);
    console.log(
      JSON.stringify({
        level: "info",
        container: item,
        result: await createContainer(endpoint, account, key, container),
      }),
    );
  }
}

// Run as a program, not imported by a test. A ConfigMap volume mounts each key as a symlink
// (/scripts/x.mjs -> ..data/x.mjs) and Node resolves it for import.meta.url, so compare real paths:
// comparing argv[1] as given made the Job exit 0 without creating anything.
export function invokedDirectly(moduleUrl, argv1) {
  if (!argv1) return false;
  try {
    return realpathSync(argv1) === realpathSync(fileURLToPath(moduleUrl));
  } catch {
    return false;
  }
}

if (invokedDirectly(import.meta.url, process.argv[1])) {
  main().catch((error) => {
    console.error(JSON.stringify({ level: "error", message: error.message }));
    process.exit(1);
  });
}
