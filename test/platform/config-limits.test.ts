import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { MAX_DNS_LABEL, MAX_DNS_NAME } from "../../components/kube/object-names";
import { loadCatalog } from "../../infra/catalog/load";
import { validateStackConfig } from "../../infra/config/load";
import { MAX_REPOSITORY_NAME } from "../../infra/config/schema";
import { runProgram } from "../../tools/plan/run";
import { readStackFile } from "../../tools/plan/stack-file";

// Stack values that become DNS names, image references and quota quantities, pushed just past
// the limits the cluster, the registry and DNS keep (and just within them): past is one problem
// naming the key, within is accepted. Every value starts from a committed stack.

const ROOT = join(__dirname, "..", "..");

function values(stack: string): Record<string, unknown> {
  const { config } = readStackFile(ROOT, stack);
  return Object.fromEntries(
    Object.entries(config).map(([k, v]) => {
      let parsed: unknown = v;
      try {
        parsed = JSON.parse(v);
      } catch {}
      return [k.replace(/^platform:/, ""), parsed];
    }),
  );
}

function problemsOf(v: Record<string, unknown>): string[] {
  return validateStackConfig(v, "stacks/Pulumi.test.yaml").problems.map((p) => `${p.field}: ${p.problem}`);
}

describe("gateway.hostname as a DNS name", () => {
  const local = values("local");
  const gateway = local.gateway as { hostname: string };
  const [first = "", ...rest] = gateway.hostname.split(".");
  const withLabel = (n: number) => [first.padEnd(n, "a"), ...rest].join(".");
  const withLength = (n: number) => {
    const tail = `.${rest.join(".")}`;
    const labels: string[] = [];
    let budget = n - tail.length;
    while (budget > 0) {
      const size = Math.min(MAX_DNS_LABEL, budget - (labels.length > 0 ? 1 : 0));
      if (size <= 0) break;
      labels.push("a".repeat(size));
      budget -= size + (labels.length > 1 ? 1 : 0);
    }
    return `${labels.join(".")}${tail}`;
  };
  const set = (hostname: string) => problemsOf({ ...local, gateway: { ...gateway, hostname } });
  it(`a part of ${MAX_DNS_LABEL} characters is accepted, ${MAX_DNS_LABEL + 1} is not`, () => {
    expect(set(withLabel(MAX_DNS_LABEL))).toEqual([]);
    const found = set(withLabel(MAX_DNS_LABEL + 1));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^platform:gateway\.hostname: has a part of/);
  });
  it(`${MAX_DNS_NAME} characters in all are accepted, more are not`, () => {
    const longest = withLength(MAX_DNS_NAME);
    expect(longest.length).toBe(MAX_DNS_NAME);
    expect(set(longest)).toEqual([]);
    const found = set(`a${longest}`);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^platform:gateway\.hostname: is \d+ characters long/);
  });
});

describe("images.registry", () => {
  const local = values("local");
  const images = local.images as { registry: string };
  const set = (registry: string) => problemsOf({ ...local, images: { ...images, registry } });
  const [host = "", ...path] = images.registry.split("/");
  const bare = host.replace(/:\d+$/, "");
  for (const port of [0, 65_536, 99_999]) {
    it(`port ${port} is refused`, () => {
      const found = set([`${bare}:${port}`, ...path].join("/"));
      expect(found).toHaveLength(1);
      expect(found[0]).toMatch(/^platform:images\.registry: its port \d+ is not a TCP port/);
    });
  }
  it("port 65535 is accepted", () => {
    expect(set([`${bare}:65535`, ...path].join("/"))).toEqual([]);
  });

  it(`a registry path that makes a service's repository longer than ${MAX_REPOSITORY_NAME} characters is refused`, async () => {
    const catalog = loadCatalog().services;
    const longest = Math.max(...catalog.map((s) => (s.image ?? s.name).length));
    const padTo = (n: number) => `${images.registry}/${"r".repeat(n - images.registry.length - 2 - longest)}`;
    const { config } = readStackFile(ROOT, "local");
    const run = async (registry: string) =>
      runProgram({
        stack: "local",
        catalog,
        config: { ...config, "platform:images": JSON.stringify({ ...images, registry }) },
      });
    const within = await run(padTo(MAX_REPOSITORY_NAME));
    expect(within.error?.message).toBeUndefined();
    const past = await run(padTo(MAX_REPOSITORY_NAME + 1));
    expect(past.resources).toHaveLength(0);
    expect(past.error?.message).toMatch(
      /platform:images\.registry: with service .* gives the repository name of 256/,
    );
  }, 60_000);
});

describe("quota quantities", () => {
  const ci = values("ci");
  const quota = ci.quota as { cpu: string; memory: string };
  const set = (field: "cpu" | "memory", value: string) =>
    problemsOf({ ...ci, quota: { ...quota, [field]: value } });
  const refused: Array<["cpu" | "memory", string]> = [
    ["cpu", "0"],
    ["cpu", "0m"],
    ["cpu", "0.0001"],
    ["cpu", `${2 ** 63}`],
    ["memory", "0Mi"],
    ["memory", `${2 ** 63}Ti`],
    ["memory", `${quota.memory} `],
    ["memory", `${quota.memory.replace(/i$/, "")}B`],
  ];
  for (const [field, value] of refused) {
    it(`${field}: ${JSON.stringify(value)} is refused`, () => {
      const found = set(field, value);
      expect(found).toHaveLength(1);
      expect(found[0]).toMatch(new RegExp(`^platform:quota\\.${field}: `));
    });
  }
  for (const [field, value] of [
    ["cpu", "1m"],
    ["cpu", "0.001"],
    ["memory", "1Ki"],
  ] as const) {
    it(`${field}: ${value} is accepted`, () => {
      expect(set(field, value)).toEqual([]);
    });
  }
});
