// Access tokens for Azure data services through workload identity, passwordless: the pod's
// projected Kubernetes token (AZURE_FEDERATED_TOKEN_FILE, set by the workload identity webhook
// with AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_AUTHORITY_HOST) is exchanged with Entra ID for
// an access token of the data service's audience, which the client then sends as its password.

/** Audience of Azure Database for PostgreSQL access tokens (Entra authentication). */
export const POSTGRES_TOKEN_SCOPE = "https://ossrdbms-aad.database.windows.net/.default";
/** Audience of Azure Managed Redis access tokens (Entra authentication). */
export const REDIS_TOKEN_SCOPE = "https://redis.azure.com/.default";

/**
 * POSIX shell that exports `$variable` as an access token for `scope`, with nothing but BusyBox
 * `wget` and `sed` (the Alpine PostgreSQL image has no curl; its wget verifies the certificate).
 * It is the client-credentials grant with the federated token as the client assertion, the same
 * exchange the Azure SDKs' WorkloadIdentityCredential makes. Fails (set -e) when no token comes back.
 */
export function entraTokenShell(variable: string, scope: string): string {
  const form = [
    "grant_type=client_credentials",
    "client_id=$AZURE_CLIENT_ID",
    `scope=${encodeURIComponent(scope)}`,
    `client_assertion_type=${encodeURIComponent("urn:ietf:params:oauth:client-assertion-type:jwt-bearer")}`,
    'client_assertion=$(cat "$AZURE_FEDERATED_TOKEN_FILE")',
  ].join("&");
  return [
    "set -eu",
    `${variable}=$(wget -q -O - --header 'Content-Type: application/x-www-form-urlencoded' --post-data "${form}" "\${AZURE_AUTHORITY_HOST%/}/$AZURE_TENANT_ID/oauth2/v2.0/token" | sed -n 's/.*"access_token":"\\([^"]*\\)".*/\\1/p')`,
    `test -n "$${variable}" || { echo "no access token for ${scope} from Entra ID" >&2; exit 1; }`,
    `export ${variable}`,
  ].join("\n");
}
