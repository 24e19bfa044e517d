import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { ServiceSpec } from "../service/spec";
import type { Kind } from "./kind";

// The one place components/backing reads the spec's types from (components/service/spec, the
// zod schema they are inferred from); kinds and provisioners import them from here.
export type {
  BucketNeed,
  DatabaseNeed,
  MessagingSpec,
  RedisNeed,
  ServiceSpec,
} from "../service/spec";

// The small interfaces between a service and what backs it. The in-cluster profile (laptop, CI)
// and the Azure profile implement them; the service component never knows which one it got.
// (score-k8s calls these resource provisioners: the workload asks, the profile answers.)

/** A destination the service's pods must be allowed to reach. */
export interface NetworkPath {
  /** Short name, used in descriptions: "postgres", "redis". */
  name: string;
  peers: k8s.types.input.networking.v1.NetworkPolicyPeer[];
  ports: Array<{ port: number; protocol: "TCP" | "UDP" }>;
}

/** What a provisioner hands back to the service. */
export interface BackingBinding {
  /** Non-sensitive settings, merged into the service's ConfigMap. */
  settings: Record<string, pulumi.Input<string>>;
  /** Credentials as Pulumi secrets; the profile's SecretStore delivers them to the pods. */
  credentials: Record<string, pulumi.Output<string>>;
  /** Where the pods must be allowed to connect. */
  egress: NetworkPath[];
  /** What must exist before the service's migration Job runs (server ready, role created). */
  dependsOn: pulumi.Resource[];
}

/** The service's identity towards the cloud (workload identity on Azure, nothing in-cluster). */
export interface IdentityBinding {
  serviceAccountAnnotations: Record<string, pulumi.Input<string>>;
  podLabels: Record<string, string>;
  settings: Record<string, pulumi.Input<string>>;
  /** The principal that role assignments are granted to, when there is one. */
  principalId?: pulumi.Output<string>;
  /** Where pods must reach to exchange their token (the identity provider), if anywhere. */
  egress: NetworkPath[];
  dependsOn: pulumi.Resource[];
}

export interface ServiceRequest {
  service: ServiceSpec;
  namespace: string;
  /** The service component: per-service resources are its children. */
  parent: pulumi.Resource;
  identity: IdentityBinding;
}

/** A profile's answer to one backing kind; build one with `provisioner()` (provisioner.ts). */
export interface Provisioner {
  readonly kind: Kind;
  /** Called only for a service whose spec asks for the kind. */
  provision(request: ServiceRequest): BackingBinding;
}

export interface WorkloadIdentity {
  bind(request: {
    service: ServiceSpec;
    namespace: string;
    serviceAccountName: string;
    parent: pulumi.Resource;
  }): IdentityBinding;
}

/** Volumes a pod must mount for its credentials to appear (the Key Vault CSI driver syncs on mount). */
export interface PodAdditions {
  volumes: k8s.types.input.core.v1.Volume[];
  volumeMounts: k8s.types.input.core.v1.VolumeMount[];
}

export interface StoredCredentials {
  /** Secret in the service's namespace that holds every credential key. */
  secretName: pulumi.Output<string>;
  /**
   * Changes whenever a stored value changes (never the value itself): the pod templates carry it,
   * so a rotated secret rolls the pods.
   */
  version: pulumi.Output<string>;
  pod: PodAdditions;
  dependsOn: pulumi.Resource[];
}

export interface StoreRequest {
  service: ServiceSpec;
  namespace: string;
  credentials: Record<string, pulumi.Output<string>>;
  /**
   * Variables whose value already lives in the profile's secret store, by the name it has there
   * (Key Vault secrets that operators set out of band). Stores without such references refuse them.
   */
  references?: Record<string, string>;
  identity: IdentityBinding;
  parent: pulumi.Resource;
}

export interface SecretStore {
  store(request: StoreRequest): StoredCredentials;
}

/** Everything a profile provides to the services. */
export interface BackingServices {
  /** A human name for summaries: "in-cluster", "azure". */
  profile: string;
  /** One per backing kind the profile offers (see kinds/index.ts); services bind to those they ask for. */
  provisioners: readonly Provisioner[];
  identity: WorkloadIdentity;
  secrets: SecretStore;
  /** Endpoints worth exporting (hosts, never credentials). */
  endpoints: Record<string, pulumi.Input<string>>;
}
