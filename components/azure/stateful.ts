import type * as pulumi from "@pulumi/pulumi";

// Production data must survive a rename, a replace-forcing change and a stray `pulumi destroy`:
// `protect` makes the engine refuse to delete the resource, `retainOnDelete` leaves it in Azure
// when someone removes the protection and the resource from the program on purpose.

export function statefulOptions(
  protect: boolean,
): Pick<pulumi.CustomResourceOptions, "protect" | "retainOnDelete"> {
  return protect ? { protect: true, retainOnDelete: true } : {};
}
