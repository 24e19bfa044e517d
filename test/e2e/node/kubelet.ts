import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Daemon, startDaemon } from "./daemon";

// The kubelet of the real node (k8s.io/kubernetes/cmd/kubelet, built by toolchain/build.sh piece
// `node`), registered with the e2e's API server through the cluster's admin kubeconfig. What this
// VM needs: cgroupfs (no systemd), cgroup v1 accepted (failCgroupV1: false), no QoS cgroups or
// node allocatable enforcement, swap tolerated.

export interface KubeletOptions {
  bin: string;
  dir: string;
  logDir: string;
  kubeconfig: string;
  nodeName: string;
  nodeIp: string;
  runtimeSocket: string;
  clusterDns: string;
  podCidr: string;
  /** Taints at registration (the feasibility step keeps the platform's pods off the node). */
  taints: string[];
  labels: Record<string, string>;
}

export function startKubelet(o: KubeletOptions): Daemon {
  mkdirSync(o.dir, { recursive: true });
  const config = join(o.dir, "kubelet.yaml");
  writeFileSync(
    config,
    JSON.stringify(
      {
        apiVersion: "kubelet.config.k8s.io/v1beta1",
        kind: "KubeletConfiguration",
        address: o.nodeIp,
        port: 10250,
        readOnlyPort: 0,
        healthzPort: 0,
        // The API server reaches the kubelet (logs, exec) without a client certificate: local only.
        authentication: { anonymous: { enabled: true }, webhook: { enabled: false } },
        authorization: { mode: "AlwaysAllow" },
        cgroupDriver: "cgroupfs",
        failCgroupV1: false,
        failSwapOn: false,
        cgroupsPerQOS: false,
        enforceNodeAllocatable: [],
        containerRuntimeEndpoint: `unix://${o.runtimeSocket}`,
        clusterDNS: [o.clusterDns],
        clusterDomain: "cluster.local",
        podCIDR: o.podCidr,
        resolvConf: "/etc/resolv.conf",
        registerWithTaints: o.taints.map((t) => {
          const [kv = "", effect = "NoSchedule"] = t.split(":");
          const [key = "", value = ""] = kv.split("=");
          return { key, value, effect };
        }),
        // Quick status updates: the e2e waits on them.
        nodeStatusUpdateFrequency: "4s",
        syncFrequency: "10s",
        fileCheckFrequency: "10s",
        imageGCHighThresholdPercent: 100,
        evictionHard: { "memory.available": "100Mi", "nodefs.available": "1%", "imagefs.available": "1%" },
        serializeImagePulls: false,
        shutdownGracePeriod: "0s",
        // Pods bind port 80 unprivileged through this sysctl (safe set: allowed by default).
        allowedUnsafeSysctls: [],
        localStorageCapacityIsolation: true,
      },
      null,
      2,
    ),
  );
  return startDaemon(
    "kubelet",
    o.bin,
    [
      `--config=${config}`,
      `--kubeconfig=${o.kubeconfig}`,
      `--root-dir=${join(o.dir, "root")}`,
      `--cert-dir=${join(o.dir, "pki")}`,
      `--hostname-override=${o.nodeName}`,
      `--node-ip=${o.nodeIp}`,
      `--node-labels=${Object.entries(o.labels)
        .map(([k, v]) => `${k}=${v}`)
        .join(",")}`,
      "--v=1",
    ],
    { logFile: join(o.logDir, "kubelet.log") },
  );
}
