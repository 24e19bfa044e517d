import type * as k8s from "@pulumi/kubernetes";
import { objectLabels, selectorLabels } from "../kube/labels";
import { fixedResources, type RequestScale } from "../kube/resources";
import {
  restrictedContainerSecurityContext,
  restrictedPodSecurityContext,
  writablePath,
} from "../kube/security";
import { httpCacheImages } from "./images";
import { CACHE_HTTP_PORT, CACHE_METRICS_PORT, CACHE_PURGE_PORT, HTTP_CACHE_NAME } from "./ports";

// The pod of the cache tier: varnishd in the foreground, as a non-root user on a read-only root,
// two listeners (cached traffic, purge), the VCL from a ConfigMap whose hash rolls the pods. With
// metrics, an exporter sidecar reads varnishd's counters: varnishstat maps the shared memory files
// (VSM) varnishd keeps in its working directory, so that directory is an emptyDir both containers
// mount (read-only for the exporter), and both run as the pod's user, which owns the files.

export interface CacheStorage {
  /** Cache size per replica, MiB. */
  memoryMiB: number;
  storage: "memory" | "disk";
  diskSizeGi: number;
}

const VCL_DIR = "/etc/varnish/platform";
/** varnishd's working directory (shared memory log, compiled VCL): must be writable. */
const WORK_DIR = "/var/lib/varnish";
/** The instance (`-n`) inside it: varnishd writes its VSM there, varnishstat reads it there. */
export const VARNISH_INSTANCE = `${WORK_DIR}/platform`;
/** Named port of the exporter sidecar, the one the PodMonitor scrapes. */
export const CACHE_METRICS_PORT_NAME = "metrics";
const DISK_DIR = "/var/cache/varnish";

/** varnishd's arguments: `-j none` because an unprivileged varnishd cannot switch users. */
export function varnishArgs(storage: CacheStorage): string[] {
  const store =
    storage.storage === "disk"
      ? `file,${DISK_DIR}/storage.bin,${storage.diskSizeGi}G`
      : `malloc,${storage.memoryMiB}M`;
  return [
    "-F",
    "-j",
    "none",
    "-n",
    VARNISH_INSTANCE,
    "-f",
    `${VCL_DIR}/default.vcl`,
    "-a",
    `http=:${CACHE_HTTP_PORT},HTTP`,
    "-a",
    `purge=:${CACHE_PURGE_PORT},HTTP`,
    "-T",
    "none",
    "-s",
    store,
  ];
}

/** The sidecar that serves varnishd's counters (hits, misses, LRU evictions, backends) to Prometheus. */
function exporterContainer(
  image: string,
  work: k8s.types.input.core.v1.VolumeMount,
  requestScale: RequestScale | undefined,
): k8s.types.input.core.v1.Container {
  return {
    name: "exporter",
    image,
    // The image's entrypoint is a bash wrapper around this binary: call it directly.
    command: ["prometheus-varnish-exporter"],
    args: [
      "-n",
      VARNISH_INSTANCE,
      "-web.listen-address",
      `:${CACHE_METRICS_PORT}`,
      "-web.health-path",
      "/health",
    ],
    ports: [{ name: CACHE_METRICS_PORT_NAME, containerPort: CACHE_METRICS_PORT, protocol: "TCP" }],
    // The exporter's own HTTP server. Not /metrics: a scrape answers 200 with varnish_up 0 when
    // the counters cannot be read, and the pod's readiness must not hang on the metrics anyway.
    readinessProbe: {
      httpGet: { path: "/health", port: CACHE_METRICS_PORT_NAME },
      periodSeconds: 15,
      timeoutSeconds: 3,
    },
    // One varnishstat run per scrape.
    resources: fixedResources(20, 64, requestScale),
    securityContext: restrictedContainerSecurityContext(),
    volumeMounts: [{ ...work, readOnly: true }],
  };
}

export function varnishPodTemplate(args: {
  configMapName: k8s.types.input.core.v1.ConfigMapVolumeSource["name"];
  configHash: string;
  storage: CacheStorage;
  /** @default httpCacheImages.varnish (the pinned official image) */
  image?: string;
  /** The exporter sidecar's image; no sidecar without it (monitoring off). */
  exporterImage?: string;
  /** The stack's `platform:requestScale` (limits unchanged). @default 1 (requests as sized) */
  requestScale?: RequestScale;
}): k8s.types.input.core.v1.PodTemplateSpec {
  const work = writablePath("varnish-work", WORK_DIR, "256Mi");
  const disk = writablePath("varnish-storage", DISK_DIR, `${args.storage.diskSizeGi + 1}Gi`);
  const onDisk = args.storage.storage === "disk";
  // Memory storage lives in the heap: the request covers it plus varnishd's own overhead.
  const memoryMiB = (onDisk ? 128 : args.storage.memoryMiB) + 192;
  return {
    metadata: {
      labels: objectLabels(HTTP_CACHE_NAME, "http-cache"),
      annotations: { "platform.internal/config-hash": args.configHash },
    },
    spec: {
      automountServiceAccountToken: false,
      securityContext: restrictedPodSecurityContext(),
      terminationGracePeriodSeconds: 30,
      topologySpreadConstraints: [
        {
          maxSkew: 1,
          topologyKey: "kubernetes.io/hostname",
          whenUnsatisfiable: "ScheduleAnyway",
          labelSelector: { matchLabels: selectorLabels(HTTP_CACHE_NAME, "http-cache") },
        },
      ],
      containers: [
        {
          name: "varnish",
          image: args.image ?? httpCacheImages.varnish,
          command: ["varnishd"],
          args: varnishArgs(args.storage),
          ports: [
            { name: "http", containerPort: CACHE_HTTP_PORT, protocol: "TCP" },
            { name: "purge", containerPort: CACHE_PURGE_PORT, protocol: "TCP" },
          ],
          // Answered by the VCL itself: 200 only once the generated VCL compiled and loaded.
          startupProbe: {
            httpGet: { path: "/.platform/cache-ready", port: "http" },
            periodSeconds: 2,
            failureThreshold: 30,
          },
          readinessProbe: {
            httpGet: { path: "/.platform/cache-ready", port: "http" },
            periodSeconds: 5,
            timeoutSeconds: 2,
          },
          // Liveness only asks whether varnishd still accepts connections; readiness whether it serves.
          livenessProbe: {
            tcpSocket: { port: "purge" },
            periodSeconds: 10,
            timeoutSeconds: 3,
            failureThreshold: 3,
          },
          resources: fixedResources(100, memoryMiB, args.requestScale),
          securityContext: restrictedContainerSecurityContext(),
          volumeMounts: [
            { name: "vcl", mountPath: VCL_DIR, readOnly: true },
            work.mount,
            ...(onDisk ? [disk.mount] : []),
          ],
        },
        ...(args.exporterImage ? [exporterContainer(args.exporterImage, work.mount, args.requestScale)] : []),
      ],
      volumes: [
        { name: "vcl", configMap: { name: args.configMapName } },
        work.volume,
        ...(onDisk ? [disk.volume] : []),
      ],
    },
  };
}
