import { createHmac } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";

// The version of a service's credentials as a store without versions of its own (a Kubernetes
// Secret) can state it: an HMAC of every value under a per-service random key kept in the state.
// It changes with any value and reveals none: without the key (a Pulumi secret) nobody can test a
// guess against it, which a plain hash of a weak password would allow.

export function credentialsVersion(
  service: string,
  credentials: Record<string, pulumi.Output<string>>,
  parent: pulumi.Resource,
): pulumi.Output<string> {
  const key = new random.RandomBytes(`${service}-credentials-version-key`, { length: 32 }, { parent });
  return pulumi.unsecret(
    pulumi.all([key.base64, pulumi.all(credentials)]).apply(([k, values]) => {
      const mac = createHmac("sha256", Buffer.from(k, "base64"));
      for (const name of Object.keys(values).sort())
        mac
          .update(name)
          .update("\0")
          .update(values[name] ?? "")
          .update("\0");
      return mac.digest("hex").slice(0, 16);
    }),
  );
}
