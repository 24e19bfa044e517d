// Official Grafana images, pinned. Promtail's last releases track Loki's 3.x line; it reached end
// of life on 2026-03-02 and gets no more fixes, which is why Alloy is the default shipper.

export const loggingImages = {
  loki: "docker.io/grafana/loki:3.5.5",
  alloy: "docker.io/grafana/alloy:v1.10.2",
  promtail: "docker.io/grafana/promtail:3.5.5",
} as const;
