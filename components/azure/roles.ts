import * as authorization from "@pulumi/azure-native/authorization";
import * as pulumi from "@pulumi/pulumi";

// Azure built-in roles the platform grants, by their fixed ids, and the one way it grants them:
// to one principal, on one resource (a container, a secret, a subnet...), never a subscription
// or a resource group.

export const builtInRoles = {
  acrPull: "7f951dda-4ed3-4680-a7ca-43fe172d538d",
  storageBlobDataContributor: "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
  storageBlobDataReader: "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1",
  keyVaultSecretsUser: "4633458b-17de-408a-b874-0445c86b69e6",
  keyVaultSecretsOfficer: "b86a8fe4-44ce-4948-aee5-eccb2c155cd7",
  networkContributor: "4d97b98b-1d4f-4787-a291-c67834d212e7",
  aksRbacClusterAdmin: "b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b",
} as const;

export type BuiltInRole = keyof typeof builtInRoles;

export function roleDefinitionId(
  subscriptionId: pulumi.Input<string>,
  role: BuiltInRole,
): pulumi.Output<string> {
  return pulumi.interpolate`/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${builtInRoles[role]}`;
}

export interface GrantArgs {
  role: BuiltInRole;
  /** The resource id the role applies to. */
  scope: pulumi.Input<string>;
  principalId: pulumi.Input<string>;
  /**
   * Always set: without it the SDK sends `User`, which Azure refuses for a service principal or a
   * managed identity (`UnmatchedPrincipalType`); with it Azure also skips the directory lookup
   * that fails right after a new identity is created.
   */
  principalType: pulumi.Input<"ServicePrincipal" | "User" | "Group">;
  subscriptionId: pulumi.Input<string>;
  description: string;
}

export function grant(
  name: string,
  args: GrantArgs,
  opts: pulumi.CustomResourceOptions,
): authorization.RoleAssignment {
  return new authorization.RoleAssignment(
    name,
    {
      principalId: args.principalId,
      principalType: args.principalType,
      roleDefinitionId: roleDefinitionId(args.subscriptionId, args.role),
      scope: args.scope,
      description: args.description,
    },
    // A role assignment cannot be updated in place; a changed principal or scope replaces it.
    { deleteBeforeReplace: true, ...opts },
  );
}
