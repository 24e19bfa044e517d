import { backingImages } from "../../components/backing/images";
import { InClusterBacking, inClusterScrapeTargets } from "../../components/in-cluster/in-cluster-backing";
import { resolvedLoggingImages } from "../../components/logging/images";
import { InClusterLoki } from "../../components/logging/in-cluster-loki";
import { secretAlertmanagerConfig } from "../../components/monitoring/alertmanager";
import { InClusterMonitoring } from "../../components/monitoring/in-cluster-monitoring";
import { existingClusterConnection } from "../cluster";
import type { LoadedConfig } from "../config/load";
import { thirdPartyImageSource } from "../config/third-party-images";
import type { Profile } from "./profile";

// Laptop clusters (kind, k3d, minikube, Docker Desktop) and ephemeral CI stacks: every backing
// service runs in the cluster from its official image (or the stack's mirror of it), nothing is
// created outside it.

export function inClusterProfile(loaded: LoadedConfig): Profile {
  const { backing, requestScale } = loaded.config;
  const source = thirdPartyImageSource(loaded.config);
  const persistence = {
    mode: backing.persistence,
    sizeGi: backing.volumeSizeGi,
    ...(backing.storageClass ? { storageClass: backing.storageClass } : {}),
  };
  return {
    name: "in-cluster",
    connection: existingClusterConnection(loaded),
    // The in-cluster servers run in the services' namespace, their setup Jobs beside them.
    adminNamespace: false,
    createBacking: ({ namespace, services, scrapedFromNamespace, parent }) =>
      new InClusterBacking(
        "backing",
        {
          namespace,
          services,
          persistence,
          images: backingImages(source),
          ...(scrapedFromNamespace ? { scrapedFromNamespace } : {}),
          requestScale,
        },
        { parent },
      ),
    scrapeTargets: inClusterScrapeTargets,
    createLogStore: ({ namespace, retentionHours, monitoringNamespace, parent }) =>
      new InClusterLoki(
        "loki",
        {
          namespace,
          retentionHours,
          monitoringNamespace,
          persistence,
          image: resolvedLoggingImages(source).loki,
          requestScale,
        },
        { parent },
      ).store,
    createMonitoring: ({ namespace, retention, notifications, parent }) =>
      new InClusterMonitoring(
        "monitoring",
        {
          namespace,
          retention,
          requestScale,
          ...(notifications
            ? {
                alertmanagerConfig: secretAlertmanagerConfig(notifications.routes, notifications.receiverUrl),
              }
            : {}),
        },
        { parent },
      ),
    outputs: {},
  };
}
