import * as keyvault from "@pulumi/azure-native/keyvault";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { stringify } from "yaml";
import type { PodAdditions, SecretStore, StoredCredentials, StoreRequest } from "../backing/types";
import { shortHash } from "../kube/hash";
import { serviceLabels } from "../kube/labels";
import type { ServiceSpec } from "../service/spec";
import type { AzureKeyVault } from "./key-vault";
import { vaultSecretName } from "./naming";
import { grant } from "./roles";
import { CLIENT_ID_ANNOTATION } from "./workload-identity";

// Credentials on Azure: each one a Key Vault secret, readable only by its service's identity
// (Key Vault Secrets User on that secret, not on the vault). A SecretProviderClass tells the Key
// Vault CSI driver which secrets to fetch with the pod's workload identity, and to sync them into
// one Kubernetes Secret that the pods reference by secretKeyRef. The driver syncs only while a
// pod mounts the volume, so every pod of the service mounts it, read-only.

export const SECRETS_STORE_API = "secrets-store.csi.x-k8s.io/v1";
export const SECRETS_STORE_DRIVER = "secrets-store.csi.k8s.io";
export const CREDENTIALS_MOUNT_PATH = "/mnt/credentials";
const VOLUME = "credentials";

/** The `objects` parameter of the Azure provider: one entry per secret, aliased to its variable name. */
export function providerObjects(objects: ReadonlyArray<{ objectName: string; alias: string }>): string {
  return stringify({
    array: [...objects]
      .sort((a, b) => a.alias.localeCompare(b.alias))
      .map((o) => stringify({ objectName: o.objectName, objectType: "secret", objectAlias: o.alias })),
  });
}

export function credentialsSecretName(service: string): string {
  return `${service}-credentials`;
}

export interface KeyVaultSecretStoreArgs {
  vault: AzureKeyVault;
  subscriptionId: pulumi.Input<string>;
  /**
   * Files a service's credentials rely on (a CA bundle), mounted next to the CSI volume.
   * @default - no extra volumes or mounts
   */
  extraMounts?: (service: ServiceSpec) => PodAdditions;
}

export class KeyVaultSecretStore implements SecretStore {
  constructor(private readonly args: KeyVaultSecretStoreArgs) {}

  store(request: StoreRequest): StoredCredentials {
    const { service, identity } = request;
    const vault = this.args.vault;
    const extra = this.args.extraMounts?.(service) ?? { volumes: [], volumeMounts: [] };
    const references = request.references ?? {};
    const keys = [...Object.keys(request.credentials), ...Object.keys(references)].sort();
    const secretName = credentialsSecretName(service.name);
    if (keys.length === 0) {
      return { secretName: pulumi.output(secretName), version: pulumi.output(""), pod: extra, dependsOn: [] };
    }
    const clientId = identity.serviceAccountAnnotations[CLIENT_ID_ANNOTATION];
    if (!identity.principalId || clientId === undefined) {
      throw new Error(`internal: ${service.name} has credentials but no workload identity to read them`);
    }
    const opts = { parent: request.parent };

    const stored: pulumi.Resource[] = [];
    // Each secret's URI with its version: a new value is a new version, and rolls the pods.
    const versions: pulumi.Output<string>[] = [];
    const objects: Array<{ objectName: string; alias: string }> = [];
    for (const [key, name] of Object.entries(references).sort()) {
      // Set out of band: read, never written. Its version is read at each update.
      const existing = keyvault.getSecretOutput(
        { resourceGroupName: vault.resourceGroupName, vaultName: vault.name, secretName: name },
        opts,
      );
      versions.push(existing.properties.apply((p) => p.secretUriWithVersion));
      objects.push({ objectName: name, alias: key });
      stored.push(
        grant(
          `${service.name}-${name}-secrets-user`,
          {
            role: "keyVaultSecretsUser",
            scope: existing.id,
            principalId: identity.principalId,
            principalType: "ServicePrincipal",
            subscriptionId: this.args.subscriptionId,
            description: `${service.name} reads ${key} (set out of band)`,
          },
          opts,
        ),
      );
    }
    for (const key of Object.keys(request.credentials).sort()) {
      const name = vaultSecretName(service.name, key);
      objects.push({ objectName: name, alias: key });
      const secret = new keyvault.Secret(
        `${name}-secret`,
        {
          resourceGroupName: vault.resourceGroupName,
          vaultName: vault.name,
          secretName: name,
          properties: {
            value: pulumi.secret(request.credentials[key] as pulumi.Output<string>),
            contentType: "text/plain",
          },
          tags: { service: service.name, variable: key },
        },
        { ...opts, additionalSecretOutputs: ["properties"] },
      );
      const access = grant(
        `${name}-secrets-user`,
        {
          role: "keyVaultSecretsUser",
          scope: secret.id,
          principalId: identity.principalId,
          principalType: "ServicePrincipal",
          subscriptionId: this.args.subscriptionId,
          description: `${service.name} reads ${key}`,
        },
        opts,
      );
      stored.push(secret, access);
      versions.push(pulumi.unsecret(secret.properties.apply((p) => p.secretUriWithVersion)));
    }

    const providerClass = new k8s.apiextensions.CustomResource(
      `${service.name}-secret-provider-class`,
      {
        apiVersion: SECRETS_STORE_API,
        kind: "SecretProviderClass",
        metadata: { name: secretName, namespace: request.namespace, labels: serviceLabels(service.name) },
        spec: {
          provider: "azure",
          parameters: {
            usePodIdentity: "false",
            clientID: clientId,
            keyvaultName: vault.name,
            tenantId: vault.tenantId,
            objects: providerObjects(objects),
          },
          secretObjects: [
            {
              secretName,
              type: "Opaque",
              labels: serviceLabels(service.name),
              data: keys.map((key) => ({ objectName: key, key })),
            },
          ],
        },
      },
      opts,
    );

    return {
      secretName: pulumi.output(secretName),
      version: pulumi.all(versions).apply((v) => shortHash(...v)),
      pod: {
        volumes: [
          {
            name: VOLUME,
            csi: {
              driver: SECRETS_STORE_DRIVER,
              readOnly: true,
              volumeAttributes: { secretProviderClass: secretName },
            },
          },
          ...extra.volumes,
        ],
        volumeMounts: [
          { name: VOLUME, mountPath: CREDENTIALS_MOUNT_PATH, readOnly: true },
          ...extra.volumeMounts,
        ],
      },
      dependsOn: [providerClass, ...stored],
    };
  }
}
