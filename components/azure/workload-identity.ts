import * as managedidentity from "@pulumi/azure-native/managedidentity";
import type * as pulumi from "@pulumi/pulumi";
import type { IdentityBinding, WorkloadIdentity } from "../backing/types";
import type { AzureFoundation } from "./foundation";
import { type NamingInput, serviceNames } from "./naming";
import { entraIdPath } from "./network-paths";

// Workload identity: each service gets a user-assigned managed identity that trusts exactly one
// Kubernetes ServiceAccount (`system:serviceaccount:<namespace>:<name>`) of this cluster's OIDC
// issuer. The ServiceAccount names the identity's client id, the pods opt in with a label, and
// the webhook projects a token the Azure SDKs exchange with Entra ID: no key, no secret to rotate.

export const TOKEN_EXCHANGE_AUDIENCE = "api://AzureADTokenExchange";
export const CLIENT_ID_ANNOTATION = "azure.workload.identity/client-id";
export const USE_LABEL = "azure.workload.identity/use";

export interface FederatedIdentityArgs {
  foundation: AzureFoundation;
  identityName: string;
  credentialName: string;
  issuer: pulumi.Input<string>;
  namespace: string;
  serviceAccountName: string;
}

export interface FederatedIdentity {
  identity: managedidentity.UserAssignedIdentity;
  credential: managedidentity.FederatedIdentityCredential;
  /** ServiceAccount annotations, pod labels and egress that make pods use it. */
  binding: IdentityBinding;
}

export function federatedIdentity(
  name: string,
  args: FederatedIdentityArgs,
  opts: pulumi.CustomResourceOptions,
): FederatedIdentity {
  const f = args.foundation;
  const identity = new managedidentity.UserAssignedIdentity(
    `${name}-identity`,
    {
      resourceGroupName: f.resourceGroupName,
      location: f.location,
      resourceName: args.identityName,
      tags: f.tags,
    },
    // A replaced identity gets a new principal: every role granted to the old one is gone.
    { ...opts, ...(f.protect ? { protect: true } : {}) },
  );
  const credential = new managedidentity.FederatedIdentityCredential(
    `${name}-federated-credential`,
    {
      resourceGroupName: f.resourceGroupName,
      resourceName: identity.name,
      federatedIdentityCredentialResourceName: args.credentialName,
      issuer: args.issuer,
      subject: `system:serviceaccount:${args.namespace}:${args.serviceAccountName}`,
      audiences: [TOKEN_EXCHANGE_AUDIENCE],
    },
    opts,
  );
  return {
    identity,
    credential,
    binding: {
      serviceAccountAnnotations: { [CLIENT_ID_ANNOTATION]: identity.clientId },
      podLabels: { [USE_LABEL]: "true" },
      settings: {},
      principalId: identity.principalId,
      egress: [entraIdPath],
      dependsOn: [credential],
    },
  };
}

/** The WorkloadIdentity the service component asks for its identity. */
export class AzureWorkloadIdentity implements WorkloadIdentity {
  constructor(
    private readonly foundation: AzureFoundation,
    private readonly naming: NamingInput,
    private readonly issuer: pulumi.Input<string>,
  ) {}

  bind(request: {
    service: { name: string };
    namespace: string;
    serviceAccountName: string;
    parent: pulumi.Resource;
  }): IdentityBinding {
    const names = serviceNames(this.naming, request.service.name);
    return federatedIdentity(
      request.service.name,
      {
        foundation: this.foundation,
        identityName: names.identity,
        credentialName: names.federatedCredential,
        issuer: this.issuer,
        namespace: request.namespace,
        serviceAccountName: request.serviceAccountName,
      },
      { parent: request.parent },
    ).binding;
  }
}
