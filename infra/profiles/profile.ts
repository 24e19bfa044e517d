import type * as pulumi from "@pulumi/pulumi";
import type { BackingServices } from "../../components/backing/types";
import type { LokiStore } from "../../components/logging/types";
import type { MonitoringStack } from "../../components/monitoring/monitoring-stack";
import type { ScrapeTarget } from "../../components/monitoring/monitors";
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
    /** Namespace of the Prometheus that scrapes the backing servers (monitoring enabled). */
    scrapedFromNamespace?: string;
    parent: pulumi.Resource;
  }): BackingServices;
  /** Backing servers the profile runs in the cluster and that serve metrics (none on Azure). */
  scrapeTargets: readonly ScrapeTarget[];
  createLogStore(args: {
    namespace: string;
    retentionHours: number;
    monitoringNamespace: string;
    parent: pulumi.Resource;
  }): LokiStore;
  /** Where metrics are scraped to, alert rules evaluated and dashboards shown (monitoring.enabled). */
  createMonitoring(args: {
    namespace: string;
    retention: string;
    /** Alertmanager's configuration, a Pulumi secret (in-cluster; Azure routes through action groups). */
    alertmanagerConfig?: pulumi.Output<Record<string, unknown>>;
    parent: pulumi.Resource;
  }): MonitoringStack;
  /** Stack outputs specific to the profile (cluster name, registry, vault...). */
  outputs: Record<string, pulumi.Input<unknown>>;
}
