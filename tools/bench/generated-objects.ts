import { stringify } from "yaml";

// Synthetic Kubernetes manifests for the policy CLI: Deployments (some compliant, some with the
// field notes' mistakes), their Services, ConfigMaps, HPAs and PDBs, in a few namespaces.

export function generatedObjects(count: number): string {
  const docs: unknown[] = [];
  for (let i = 0; docs.length < count; i++) {
    const name = `app-${i}`;
    const namespace = `team-${i % 7}`;
    const bad = i % 5 === 0;
    const labels = { "app.kubernetes.io/name": name, "app.kubernetes.io/component": "web" };
    docs.push({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name, namespace, labels },
      spec: {
        replicas: 2,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            securityContext: {
              runAsNonRoot: true,
              runAsUser: 10001,
              seccompProfile: { type: "RuntimeDefault" },
            },
            containers: [
              {
                name: "web",
                image: bad ? "registry.example.com/app:latest" : `registry.example.com/app:1.${i}`,
                ports: [{ name: "http", containerPort: 80 }],
                envFrom: [{ configMapRef: { name: `${name}-env` } }],
                env: bad
                  ? [{ name: "DATABASE_PASSWORD", value: "hunter2" }]
                  : [
                      {
                        name: "DATABASE_URL",
                        valueFrom: { secretKeyRef: { name: `${name}-db`, key: "url" } },
                      },
                    ],
                readinessProbe: bad
                  ? { exec: { command: ["php", "-v"] } }
                  : { httpGet: { path: "/health/ready", port: "http" } },
                livenessProbe: { httpGet: { path: "/metrics", port: 2019 } },
                startupProbe: {
                  httpGet: { path: "/metrics", port: 2019 },
                  failureThreshold: 12,
                  periodSeconds: 5,
                },
                resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { memory: "256Mi" } },
                securityContext: {
                  allowPrivilegeEscalation: false,
                  readOnlyRootFilesystem: true,
                  capabilities: { drop: ["ALL"] },
                },
              },
            ],
          },
        },
      },
    });
    docs.push({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name, namespace },
      spec: { selector: labels, ports: [{ port: 80, targetPort: "http" }] },
    });
    docs.push({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: `${name}-env`, namespace },
      data: {
        APP__CACHE__ADAPTER: bad ? "cache.adapter.filesystem" : "cache.adapter.redis",
        APP__SESSION__HANDLER: "redis",
        MONOLOG_LEVEL__DEFAULT: "warning",
      },
    });
    docs.push({
      apiVersion: "policy/v1",
      kind: "PodDisruptionBudget",
      metadata: { name, namespace },
      spec: { maxUnavailable: 1, selector: { matchLabels: labels } },
    });
    if (i % 7 === 0) {
      docs.push({
        apiVersion: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: { name: "default-deny", namespace },
        spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
      });
    }
  }
  return docs
    .slice(0, count)
    .map((d) => stringify(d))
    .join("---\n");
}
