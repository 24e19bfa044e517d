import { applyObjects, type Cluster, kubectl } from "../lib/cluster";

// Cluster DNS on the real node: CoreDNS (built from Go modules, toolchain piece `node`) as the
// Deployment `coredns` behind Service `kube-dns` in kube-system, labelled k8s-app=kube-dns as the
// platform's allow-dns NetworkPolicy expects. It watches the API server at the node's address with
// the cluster's admin kubeconfig (kwokctl issues no service account signing set-up for pods).

export interface DnsOptions {
  image: string;
  serviceIp: string;
  nodeName: string;
  /** kubeconfig (certificates inline) whose server is reachable from pods. */
  kubeconfig: string;
  dir: string;
  logFile: string;
}

const COREFILE = `.:53 {
    errors
    health :8080
    ready :8181
    kubernetes cluster.local in-addr.arpa ip6.arpa {
        kubeconfig /etc/coredns/kubeconfig
        pods insecure
        fallthrough in-addr.arpa ip6.arpa
        ttl 5
    }
    forward . /etc/resolv.conf
    cache 5
    loadbalance
}
`;

export async function deployDns(cluster: Cluster, o: DnsOptions): Promise<void> {
  const labels = { "k8s-app": "kube-dns" };
  const objects = [
    {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "coredns", namespace: "kube-system" },
      stringData: { Corefile: COREFILE, kubeconfig: o.kubeconfig },
    },
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "coredns", namespace: "kube-system", labels },
      spec: {
        replicas: 1,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            nodeName: o.nodeName,
            tolerations: [{ operator: "Exists" }],
            dnsPolicy: "Default",
            automountServiceAccountToken: false,
            securityContext: {
              runAsNonRoot: true,
              runAsUser: 65532,
              runAsGroup: 65532,
              seccompProfile: { type: "RuntimeDefault" },
              sysctls: [{ name: "net.ipv4.ip_unprivileged_port_start", value: "0" }],
            },
            containers: [
              {
                name: "coredns",
                image: o.image,
                imagePullPolicy: "Never",
                args: ["-conf", "/etc/coredns/Corefile"],
                ports: [
                  { name: "dns", containerPort: 53, protocol: "UDP" },
                  { name: "dns-tcp", containerPort: 53, protocol: "TCP" },
                ],
                readinessProbe: { httpGet: { path: "/ready", port: 8181 }, periodSeconds: 2 },
                livenessProbe: { httpGet: { path: "/health", port: 8080 }, periodSeconds: 10 },
                securityContext: {
                  allowPrivilegeEscalation: false,
                  readOnlyRootFilesystem: true,
                  capabilities: { drop: ["ALL"] },
                },
                volumeMounts: [{ name: "config", mountPath: "/etc/coredns", readOnly: true }],
              },
            ],
            volumes: [{ name: "config", secret: { secretName: "coredns" } }],
          },
        },
      },
    },
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "kube-dns", namespace: "kube-system", labels },
      spec: {
        clusterIP: o.serviceIp,
        selector: labels,
        ports: [
          { name: "dns", port: 53, protocol: "UDP", targetPort: 53 },
          { name: "dns-tcp", port: 53, protocol: "TCP", targetPort: 53 },
        ],
      },
    },
  ];
  await applyObjects(cluster, objects, { dir: o.dir, name: "coredns", logFile: o.logFile });
  await kubectl(cluster, ["-n", "kube-system", "rollout", "status", "deployment/coredns", "--timeout=180s"], {
    logFile: o.logFile,
  });
}
