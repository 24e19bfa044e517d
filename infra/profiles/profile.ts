import type * as pulumi from "@pulumi/pulumi";
import type { BackingServices } from "../../components/backing/types";
import type { LokiStore } from "../../components/logging/types";
import type { Notifications } from "../../components/monitoring/alertmanager";
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
  /**
   * The backing services run setup Jobs with administrator rights (database roles): they get a
   * namespace of their own, `<namespace>-admin`, so no administrator credential or identity is
   * ever in the services' namespace.
   */
  adminNamespace: boolean;
  createBacking(args: {
    namespace: string;
    /** `<namespace>-admin`, when the profile asks for it. */
    adminNamespace?: string;
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
    /**
     * Where alerts go (`monitoring.notifications` and the secret `alertReceiverUrl`): Alertmanager's
     * routes in-cluster, an Azure Monitor action group on Azure.
     */
    notifications?: { routes: Notifications; receiverUrl: pulumi.Output<string> };
    parent: pulumi.Resource;
  }): MonitoringStack;
  /** Stack outputs specific to the profile (cluster name, registry, vault...). */
  outputs: Record<string, pulumi.Input<unknown>>;
}
