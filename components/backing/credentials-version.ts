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
  // A RandomPassword, not RandomBytes: the random provider uses a RandomBytes' value as its resource
  // id, which the state keeps in plain text (the e2e's secret search found it); a password's id is
  // "none". 43 alphanumerics carry more than 256 bits.
  const key = new random.RandomPassword(
    `${service}-credentials-version-key`,
    { length: 43, special: false },
    { parent },
  );
  return pulumi.unsecret(
    pulumi.all([key.result, pulumi.all(credentials)]).apply(([k, values]) => {
      const mac = createHmac("sha256", k);
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
