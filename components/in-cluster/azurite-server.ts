import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { images } from "../backing/images";
import { shortHash } from "../kube/hash";
import { objectLabels, selectorLabels } from "../kube/labels";
import { podsOfServices } from "../kube/network";
import { fixedResources, type RequestScale } from "../kube/resources";
import {
  restrictedContainerSecurityContext,
  restrictedPodSecurityContext,
  writablePath,
} from "../kube/security";
import { type Persistence, type Server, statefulServer } from "./stateful-server";

// Azurite, Microsoft's Blob Storage emulator: the same API, the same Flysystem adapter and the
// same container names as Azure, with one storage account (and key) per tenant service.

const AZURITE_UID = 1000; // the image's node user
const BLOB_PORT = 10000;

export const containerScript = readFileSync(join(__dirname, "scripts", "create-blob-containers.mjs"), "utf8");

export interface AzuriteArgs {
  name: string;
  namespace: string;
  /** Service -> container names it owns. */
  tenants: ReadonlyMap<string, readonly string[]>;
  persistence: Persistence;
  /** The image to run. @default `images.azurite` (images.ts) */
  image?: string;
  /**
   * The stack's `platform:requestScale`: a factor on the CPU and memory requests of its containers
   * (server, setup Job); limits unchanged.
   * @default 1 (requests as sized)
   */
  requestScale?: RequestScale;
}

export interface BlobTenant {
  account: string;
  endpoint: string;
  connectionString: pulumi.Output<string>;
}

/** Storage account names: 3-24 lower-case letters and digits. */
export function accountName(service: string): string {
  return service.replaceAll("-", "").slice(0, 24);
}

export class InClusterAzurite extends pulumi.ComponentResource {
  readonly tenants: ReadonlyMap<string, BlobTenant>;
  readonly server: Server;
  readonly setupJob: k8s.batch.v1.Job;

  constructor(name: string, args: AzuriteArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:in-cluster:Azurite", name, {}, opts);
    const services = [...args.tenants.keys()];
    const accounts = services.map((s) => {
      const secret = new random.RandomPassword(
        `${name}-${s}-key`,
        { length: 48, special: false },
        { parent: this },
      ).result;
      return {
        service: s,
        account: accountName(s),
        key: secret.apply((k) => Buffer.from(k).toString("base64")),
      };
    });
    const accountsValue = pulumi.secret(
      pulumi
        .all(accounts.map((a) => a.key))
        .apply((keys) => accounts.map((a, i) => `${a.account}:${keys[i]}`).join(";")),
    );
    const labels = objectLabels(args.name, "object-store");
    const accountsSecret = new k8s.core.v1.Secret(
      `${name}-accounts`,
      {
        metadata: { namespace: args.namespace, labels },
        type: "Opaque",
        stringData: { AZURITE_ACCOUNTS: accountsValue },
      },
      { parent: this },
    );
    const accountsEnv = {
      name: "AZURITE_ACCOUNTS",
      valueFrom: { secretKeyRef: { name: accountsSecret.metadata.name, key: "AZURITE_ACCOUNTS" } },
    };

    this.server = statefulServer(
      {
        name: args.name,
        containerName: "azurite",
        namespace: args.namespace,
        component: "object-store",
        image: args.image ?? images.azurite,
        command: ["azurite-blob"],
        args: [
          "--blobHost",
          "0.0.0.0",
          "--blobPort",
          String(BLOB_PORT),
          "--location",
          "/data",
          "--skipApiVersionCheck",
          "--disableProductStyleUrl",
          // Azurite reports usage to Microsoft unless told not to; its NetworkPolicy blocks the egress anyway.
          "--disableTelemetry",
        ],
        env: [accountsEnv],
        ports: [{ name: "blob", port: BLOB_PORT }],
        // Azurite has no health endpoint and answers anonymous requests 400/403: an open port is
        // the most it can tell, and it opens only once its metadata store is loaded.
        probes: { readinessProbe: { tcpSocket: { port: "blob" }, periodSeconds: 5 } },
        uid: AZURITE_UID,
        dataPath: "/data",
        persistence: args.persistence,
        resources: fixedResources(50, 256, args.requestScale),
        clients: [podsOfServices([...services, args.name])],
        parent: this,
      },
      args.namespace,
    );
    const endpoint = `http://${this.server.host}:${BLOB_PORT}`;

    const containers = [...args.tenants]
      .flatMap(([s, names]) => names.map((c) => `${accountName(s)}/${c}`))
      .join(",");
    const script = new k8s.core.v1.ConfigMap(
      `${name}-setup-script`,
      {
        metadata: { namespace: args.namespace, labels },
        data: { "create-blob-containers.mjs": containerScript },
      },
      { parent: this },
    );
    const tmp = writablePath("tmp", "/tmp");
    const setupLabels = objectLabels(args.name, "object-store-setup");
    this.setupJob = new k8s.batch.v1.Job(
      `${name}-setup`,
      {
        metadata: {
          name: `${args.name}-setup-${shortHash(containers, containerScript)}`,
          namespace: args.namespace,
          labels: setupLabels,
        },
        spec: {
          backoffLimit: 4,
          activeDeadlineSeconds: 300,
          ttlSecondsAfterFinished: 3600,
          template: {
            metadata: { labels: setupLabels },
            spec: {
              restartPolicy: "OnFailure",
              automountServiceAccountToken: false,
              enableServiceLinks: false,
              securityContext: restrictedPodSecurityContext({
                runAsUser: AZURITE_UID,
                runAsGroup: AZURITE_UID,
                fsGroup: AZURITE_UID,
              }),
              containers: [
                {
                  name: "setup",
                  image: args.image ?? images.azurite,
                  command: ["node", "/scripts/create-blob-containers.mjs"],
                  env: [
                    accountsEnv,
                    { name: "BLOB_ENDPOINT", value: endpoint },
                    { name: "CONTAINERS", value: containers },
                  ],
                  resources: fixedResources(50, 128, args.requestScale),
                  securityContext: restrictedContainerSecurityContext(),
                  volumeMounts: [tmp.mount, { name: "script", mountPath: "/scripts", readOnly: true }],
                },
              ],
              volumes: [tmp.volume, { name: "script", configMap: { name: script.metadata.name } }],
            },
          },
        },
      },
      { parent: this, dependsOn: [this.server.statefulSet], replaceOnChanges: ["spec"] },
    );
    new k8s.networking.v1.NetworkPolicy(
      `${name}-setup-network`,
      {
        metadata: { name: `${args.name}-setup`, namespace: args.namespace, labels: setupLabels },
        spec: {
          podSelector: { matchLabels: selectorLabels(args.name, "object-store-setup") },
          policyTypes: ["Ingress", "Egress"],
          ingress: [],
          egress: [{ to: this.server.path.peers, ports: this.server.path.ports }],
        },
      },
      { parent: this },
    );

    this.tenants = new Map(
      accounts.map((a) => [
        a.service,
        {
          account: a.account,
          endpoint: `${endpoint}/${a.account}`,
          connectionString: pulumi.secret(
            pulumi.interpolate`DefaultEndpointsProtocol=http;AccountName=${a.account};AccountKey=${a.key};BlobEndpoint=${endpoint}/${a.account};`,
          ),
        },
      ]),
    );
    this.registerOutputs({ endpoint });
  }
}
