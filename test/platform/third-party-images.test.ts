import { describe, expect, it } from "vitest";
import { images } from "../../components/backing/images";
import { httpCacheImages } from "../../components/http-cache/images";
import { resolveImage } from "../../components/kube/third-party-images";
import { loggingImages } from "../../components/logging/images";
import { parseStackConfig } from "../../infra/config/load";
import { nonEmpty } from "../helpers/non-empty";
import { baseConfig, plan } from "../helpers/program";

// platform:images.mirror and platform:images.overrides: every third-party image the in-cluster
// profile runs comes from the mirror, an override wins over it, and bad values are refused.

/** Every container image of the plan's workloads (StatefulSets, DaemonSets, Deployments, Jobs). */
function workloadImages(p: Awaited<ReturnType<typeof plan>>): string[] {
  return p.objects.flatMap((o) => {
    const pod = o.kind === "CronJob" ? o.spec?.jobTemplate?.spec?.template?.spec : o.spec?.template?.spec;
    return (pod?.containers ?? []).map((c: { image: string }) => c.image);
  });
}

const pinned = [...Object.values(images), ...Object.values(loggingImages), ...Object.values(httpCacheImages)];

describe("third-party images", () => {
  it("the default runs the pinned upstream references", async () => {
    const used = workloadImages(await plan(baseConfig()));
    const thirdParty = used.filter((i) => pinned.includes(i as (typeof pinned)[number]));
    expect(thirdParty.length).toBeGreaterThan(0);
  });

  it("a mirror replaces the registry of every pinned reference, and an override wins", async () => {
    const config = baseConfig();
    const base = config.images as Record<string, unknown>;
    const override = "mirror.example.com/custom/loki:3.5.5-patched";
    config.images = { ...base, mirror: "mirror.example.com/hub", overrides: { loki: override } };
    const used = workloadImages(await plan(config));
    const app = `${base.registry}/`;
    const thirdParty = used.filter((i) => !i.startsWith(app));
    expect(thirdParty.length).toBeGreaterThan(0);
    for (const image of nonEmpty(thirdParty)) {
      expect(image === override || image.startsWith("mirror.example.com/hub/"), image).toBe(true);
    }
    expect(thirdParty).toContain(override);
    expect(used.filter((i) => pinned.includes(i as (typeof pinned)[number]))).toEqual([]);
  });

  it("resolves a mirror by dropping the upstream registry host only", () => {
    expect(resolveImage("azurite", images.azurite, { mirror: "m.example.com:5000/proxy" })).toBe(
      "m.example.com:5000/proxy/azure-storage/azurite:3.37.0",
    );
    expect(resolveImage("loki", loggingImages.loki)).toBe(loggingImages.loki);
  });

  const bad: Array<[string, unknown, RegExp]> = [
    [
      "an unknown image name",
      { overrides: { mysql: "m.example.com/mysql:8.0" } },
      /platform:images\.overrides/,
    ],
    [
      "a reference without a registry",
      { overrides: { redis: "redis:8.2.1" } },
      /platform:images\.overrides\.redis/,
    ],
    ["a moving tag", { overrides: { postgres: "m.example.com/postgres:latest" } }, /moving tag/],
    ["a mirror that is a URL", { mirror: "https://mirror.example.com" }, /platform:images\.mirror/],
  ];
  it.each(bad)("refuses %s with a message naming the key", (_label, extra, message) => {
    const config = baseConfig();
    config.images = { ...(config.images as Record<string, unknown>), ...(extra as Record<string, unknown>) };
    expect(() => parseStackConfig(config, "stacks/Pulumi.test.yaml")).toThrow(message);
  });
});
