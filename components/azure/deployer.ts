// Whoever runs `pulumi up` (a person through the Azure CLI, or a CI pipeline's service principal
// or managed identity) receives roles on what the stack creates. A role assignment must name the
// principal's type: without it the SDK sends `User`, and Azure answers `UnmatchedPrincipalType`
// for a service principal, i.e. in every pipeline.

export type PrincipalType = "User" | "ServicePrincipal";

/** The Azure CLI's public application id: the client id a person logged in with `az login` has. */
export const AZURE_CLI_CLIENT_ID = "04b07795-8ddb-461a-bbee-02f9e1bf7b46";

/**
 * The deployer's principal type: the configured one (`platform:azure.deployer.principalType`),
 * else `User` when the provider authenticates through a person's Azure CLI login, else
 * `ServicePrincipal` (OIDC, client secret or certificate, managed identity: every CI login).
 */
export function deployerPrincipalType(
  configured: PrincipalType | undefined,
  clientId: string,
): PrincipalType {
  if (configured) return configured;
  return clientId === AZURE_CLI_CLIENT_ID ? "User" : "ServicePrincipal";
}
