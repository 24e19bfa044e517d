import type * as pulumi from "@pulumi/pulumi";
import type { BackingServices } from "../../components/backing/types";
import type { LokiStore } from "../../components/logging/in-cluster-loki";
import type { ServiceSpec } from "../../components/service/spec";
import type { ClusterConnection } from "../cluster";

// What a profile (in-cluster or Azure) gives the program: a way to reach the cluster, the
// backing services for the services, and a log store. The program composes the rest the same way.

export interface Profile {
  name: "in-cluster" | "azure";
  /** How to reach the cluster (created by the profile, or attached). */
  connection: ClusterConnection;
  createBacking(args: {
    namespace: string;
    services: readonly ServiceSpec[];
    parent: pulumi.Resource;
  }): BackingServices;
  createLogStore(args: {
    namespace: string;
    retentionHours: number;
    monitoringNamespace: string;
    parent: pulumi.Resource;
  }): LokiStore;
  /** Stack outputs specific to the profile (cluster name, registry, vault...). */
  outputs: Record<string, pulumi.Input<unknown>>;
}
