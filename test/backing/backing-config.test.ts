import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { rabbitDefinitions, rabbitPasswordHash } from "../../components/backing/rabbitmq-definitions";
import { accountName } from "../../components/in-cluster/azurite-server";
import { rabbitmqConf } from "../../components/in-cluster/rabbitmq-server";
import { redisAclFile } from "../../components/in-cluster/redis-server";
import { lokiConfig } from "../../components/logging/in-cluster-loki";
import { alloyConfig, promtailConfig } from "../../components/logging/pipeline";
import { catalog } from "../helpers/catalog";

describe("RabbitMQ definitions", () => {
  it("hash passwords the way RabbitMQ does (its documented example)", () => {
    expect(rabbitPasswordHash("test12", Buffer.from("908DC60A", "hex"))).toBe(
      "kI3GCqW5JLMJa4iX1lo7X4D6XbYqlLgxIs30+P6tENUV2POR",
    );
  });

  const media = catalog.find((s) => s.name === "media");
  const definitions = rabbitDefinitions(
    [
      {
        service: "media",
        messaging: media?.messaging ?? { exchanges: [], queues: [], consumers: [] },
        passwordHash: "h",
      },
    ],
    { user: "admin", passwordHash: "a" },
  );

  it("give each service a vhost and a user with rights on that vhost only", () => {
    expect(definitions.vhosts).toEqual([{ name: "media" }]);
    expect(definitions.users.map((u) => u.name)).toEqual(["admin", "media"]);
    expect(definitions.permissions.filter((p) => p.user === "media")).toEqual([
      { user: "media", vhost: "media", configure: ".*", write: ".*", read: ".*" },
    ]);
  });

  it("declare quorum queues with a dead-letter queue each, bound as the catalog says", () => {
    expect(definitions.queues.map((q) => q.name)).toEqual(["media.thumbnails", "media.thumbnails.dlq"]);
    expect(definitions.queues[0]?.arguments).toEqual({
      "x-queue-type": "quorum",
      "x-dead-letter-exchange": "media.dlx",
      "x-dead-letter-routing-key": "media.thumbnails",
    });
    expect(definitions.bindings).toContainEqual(
      expect.objectContaining({
        source: "media",
        destination: "media.thumbnails",
        routing_key: "media.uploaded",
      }),
    );
    expect(definitions.bindings).toContainEqual(
      expect.objectContaining({ source: "media.dlx", destination: "media.thumbnails.dlq" }),
    );
    expect(definitions.exchanges.map((e) => e.name)).toEqual(["media", "media.dlx"]);
  });

  it("are loaded at boot, logs to the console only", () => {
    expect(rabbitmqConf).toContain("definitions.local.path = /etc/rabbitmq/definitions.json");
    expect(rabbitmqConf).toContain("log.file = false");
  });
});

describe("Redis ACL", () => {
  const acl = redisAclFile([{ name: "content", password: "s3cret-value" }]);

  it("switches the default user off and confines each tenant to its prefix", () => {
    const lines = acl.trim().split("\n");
    expect(lines[0]).toBe("user default off");
    expect(lines[1]).toMatch(
      /^user content on #[0-9a-f]{64} resetkeys ~content:\* resetchannels &content:\* \+@all -@admin -flushall -flushdb$/,
    );
  });

  it("stores only the SHA-256 of the password", () => {
    expect(acl).not.toContain("s3cret-value");
    expect(acl).toContain(createHash("sha256").update("s3cret-value").digest("hex"));
  });
});

describe("Azurite container setup script", async () => {
  // The script is plain JavaScript shipped in a ConfigMap; it was checked against Azurite 3.37
  // (201 created, 409 on the second run, 403 with a wrong key). These pin that behaviour.
  const script = await import("../../components/in-cluster/scripts/create-blob-containers.mjs");

  it("parses account:key pairs", () => {
    expect([...script.parseAccounts("a:k1==;b:k2").entries()]).toEqual([
      ["a", "k1=="],
      ["b", "k2"],
    ]);
    expect(() => script.parseAccounts("nokey")).toThrow(/account:key/);
  });

  it("signs the path-style resource with the account twice, as the emulator expects", () => {
    const date = "Sun, 29 Nov 2026 02:53:40 GMT";
    const toSign = script.stringToSign("media", "media-originals", date);
    expect(
      toSign.endsWith(
        `x-ms-date:${date}\nx-ms-version:2021-08-06\n/media/media/media-originals\nrestype:container`,
      ),
    ).toBe(true);
    // Verb, then eleven empty standard headers (Content-Length is empty for zero since 2015-02-21).
    expect(toSign.split("\n").slice(0, 12)).toEqual(["PUT", "", "", "", "", "", "", "", "", "", "", ""]);
  });

  it("runs as a program when mounted the way a ConfigMap volume mounts it (through symlinks)", async () => {
    // A ConfigMap volume: /scripts/<key> -> ..data/<key>, ..data -> ..<timestamp>/.
    const dir = mkdtempSync(join(tmpdir(), "configmap-"));
    const source = join(__dirname, "../../components/in-cluster/scripts/create-blob-containers.mjs");
    mkdirSync(join(dir, "..2026_12_01"));
    copyFileSync(source, join(dir, "..2026_12_01", "create-blob-containers.mjs"));
    symlinkSync("..2026_12_01", join(dir, "..data"));
    symlinkSync("..data/create-blob-containers.mjs", join(dir, "create-blob-containers.mjs"));
    const created: string[] = [];
    const server = createServer((req, res) => {
      if (req.method === "PUT") created.push(req.url ?? "");
      res.writeHead(req.method === "PUT" ? 201 : 400).end();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as AddressInfo).port;
    try {
      const child = spawn(process.execPath, [join(dir, "create-blob-containers.mjs")], {
        env: {
          AZURITE_ACCOUNTS: `media:${Buffer.from("key").toString("base64")}`,
          BLOB_ENDPOINT: `http://127.0.0.1:${port}`,
          CONTAINERS: "media/media-originals,media/media-thumbnails",
        },
      });
      let out = "";
      child.stdout.on("data", (d) => {
        out += String(d);
      });
      const code = await new Promise((r) => child.on("close", r));
      expect(code).toBe(0);
      expect(created).toEqual([
        "/media/media-originals?restype=container",
        "/media/media-thumbnails?restype=container",
      ]);
      expect(out).toContain('"result":"created"');
    } finally {
      server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("names storage accounts within Azure's 24 lower-case characters", () => {
    expect(accountName("media")).toBe("media");
    expect(accountName("very-long-service-name-indeed")).toBe("verylongservicenameindee");
  });
});

describe("log pipeline", () => {
  const pipeline = {
    namespaces: ["platform"],
    pushUrl: "http://loki.platform-logs.svc.cluster.local:3100/loki/api/v1/push",
    maxAgeHours: 168,
  };

  it("Alloy: reads this node's pod logs, keeps stream, drops old lines, promotes level and service", () => {
    const config = alloyConfig(pipeline);
    expect(config).toContain('names = ["platform"]');
    expect(config).toContain('field = "spec.nodeName=" + sys.env("NODE_NAME")');
    expect(config).toContain("stage.cri {}");
    expect(config).toMatch(/stage\.drop \{\s+older_than\s+= "168h"/);
    expect(config).toContain('expressions = { level = "level_name || level" }');
    expect(config).toContain('values = { level = "", stream = "" }');
    expect(config).toContain('target_label  = "service"');
    expect(config).toContain(`url = "${pipeline.pushUrl}"`);
    // The drop must come after cri (which parses the timestamp) and before the labels.
    expect(config.indexOf("stage.cri")).toBeLessThan(config.indexOf("stage.drop"));
  });

  it("Promtail: the same pipeline, stage for stage", () => {
    const config = promtailConfig(pipeline) as {
      scrape_configs: Array<{ pipeline_stages: unknown[]; relabel_configs: Array<{ target_label: string }> }>;
      clients: unknown[];
    };
    const job = config.scrape_configs[0];
    expect(job?.pipeline_stages).toEqual([
      { cri: {} },
      { drop: { older_than: "168h", drop_counter_reason: "too_old" } },
      { json: { expressions: { level: "level_name || level" } } },
      { template: { source: "level", template: "{{ ToLower .Value }}" } },
      { labels: { level: "", stream: "" } },
    ]);
    expect(job?.relabel_configs.map((r) => r.target_label)).toEqual([
      "namespace",
      "service",
      "component",
      "container",
      "__path__",
    ]);
    expect(config.clients).toEqual([{ url: pipeline.pushUrl }]);
  });

  it("Loki: monolithic, retention and rejection at the same age", () => {
    const config = parse(JSON.stringify(lokiConfig(168))) as {
      limits_config: Record<string, unknown>;
      compactor: Record<string, unknown>;
    };
    expect(config.limits_config).toMatchObject({
      retention_period: "168h",
      reject_old_samples: true,
      reject_old_samples_max_age: "168h",
    });
    expect(config.compactor.retention_enabled).toBe(true);
  });
});
