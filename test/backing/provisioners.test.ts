import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { beforeAll, describe, expect, it } from "vitest";
import { type BackingKind, credentialKeysOf, needs, needsDedicated } from "../../components/backing/kind";
import { backingKinds, databaseKind } from "../../components/backing/kinds";
import { type Tenant, tenantProvisioner } from "../../components/backing/provisioner";
import type { BackingServices, ServiceSpec } from "../../components/backing/types";
import { InClusterBacking } from "../../components/in-cluster/in-cluster-backing";
import type { DeployedService } from "../../components/service/deployed-service";
import { migrationJobName } from "../../components/service/migration-job";
import { PhpService } from "../../components/service/php-service";
import { PROJECT } from "../../tools/plan/run";
import { type RecordedResource, startMockSession } from "../../tools/plan/runtime";
import { catalog } from "../helpers/catalog";
import { nonEmpty } from "../helpers/non-empty";
import { Planned } from "../helpers/program";

// The provisioner contract, proved with a kind the platform does not have: a search index
// (Meilisearch) declared in this file only, with one provisioner, wired into the real service
// component next to the in-cluster profile's own provisioners. Everything the component derives
// for a built-in kind (ConfigMap settings, secretKeyRef credentials, egress, migration order) must
// follow for it without a line changed outside this file.

/** The one schema field the new kind adds. */
type SearchNeed = { dedicated?: boolean };
type WithSearch = ServiceSpec & { searchIndex?: SearchNeed };
interface SearchConnection {
  url: string;
  apiKey: pulumi.Output<string>;
}

const searchKind: BackingKind<SearchNeed, SearchConnection, "MEILISEARCH_API_KEY"> = {
  name: "search-index",
  field: "searchIndex",
  need: (spec) => (spec as WithSearch).searchIndex,
  dedicated: (need) => need.dedicated === true,
  credentialKeys: ["MEILISEARCH_API_KEY"],
  environment: (spec, connection) => ({
    settings: { MEILISEARCH_URL: connection.url, MEILISEARCH_INDEX_PREFIX: `${spec.name}_` },
    credentials: { MEILISEARCH_API_KEY: connection.apiKey },
  }),
};

const NAMESPACE = "platform";
const PORT = 7700;

const searchPods = (server: string) => ({ "app.kubernetes.io/name": server });

/** The test profile's server: a Service in front of the search pods, and a key per tenant. */
function searchServer(name: string, tenants: readonly string[], parent: pulumi.Resource) {
  const service = new k8s.core.v1.Service(
    name,
    {
      metadata: { name, namespace: NAMESPACE },
      spec: { selector: searchPods(name), ports: [{ name: "http", port: PORT }] },
    },
    { parent },
  );
  const keys = new Map(
    tenants.map((t) => [t, new random.RandomPassword(`${name}-${t}-key`, { length: 32 }, { parent }).result]),
  );
  return { name, service, keys };
}

/** Plans `specs` with the in-cluster provisioners plus the search one, under the mock runtime. */
async function planWithSearch(specs: WithSearch[]) {
  const session = await startMockSession({ project: PROJECT, stack: "test", config: {}, secretKeys: [] });
  const root = new pulumi.ComponentResource("test:index:Root", "root");
  const inCluster = new InClusterBacking(
    "backing",
    { namespace: NAMESPACE, services: specs, persistence: { mode: "ephemeral", sizeGi: 1 } },
    { parent: root },
  );
  const search = tenantProvisioner(searchKind, specs, {
    shared: (tenants: ReadonlyArray<Tenant<SearchNeed>>) =>
      searchServer(
        "meilisearch",
        tenants.map((t) => t.service.name),
        root,
      ),
    dedicated: ({ service, parent }) => searchServer(`meilisearch-${service.name}`, [service.name], parent),
    connect: (server, { service }) => {
      const apiKey = server.keys.get(service.name);
      if (!apiKey) throw new Error(`${service.name} has no key on ${server.name}`);
      return {
        connection: { url: `http://${server.name}.${NAMESPACE}.svc.cluster.local:${PORT}`, apiKey },
        egress: [
          {
            name: server.name,
            peers: [{ podSelector: { matchLabels: searchPods(server.name) } }],
            ports: [{ port: PORT, protocol: "TCP" }],
          },
        ],
        dependsOn: [server.service],
      };
    },
  });
  const backing: BackingServices = {
    profile: "in-cluster",
    provisioners: [...inCluster.provisioners, search.provisioner],
    identity: inCluster.identity,
    secrets: inCluster.secrets,
    endpoints: inCluster.endpoints,
  };
  for (const spec of specs) {
    const deployed: DeployedService = {
      spec,
      image: image(spec.name),
      replicas: { min: 1, max: 1 },
      consumerReplicas: {},
      logLevel: "warning",
    };
    new PhpService(
      spec.name,
      {
        service: deployed,
        namespace: NAMESPACE,
        dependents: [],
        backing,
        images: { pullPolicy: "IfNotPresent" },
        migrations: { ttlSecondsAfterFinished: 3600, activeDeadlineSeconds: 900, backoffLimit: 1 },
        gateway: { namespaces: [], cidrs: [] },
        monitoringNamespace: "monitoring",
      },
      { parent: root },
    );
  }
  await session.settle();
  return new Planned({ resources: session.resources, outputs: {}, evaluationMs: 0 });
}

const image = (s: string) => `registry.example.com/platform/${s}:2026.11.3`;
// Services of the catalog that already ask for a database (so they have a migration Job).
const withDatabase = catalog.filter((s) => needs(databaseKind, s) && !needsDedicated(databaseKind, s));
const sharing = withDatabase[0] as ServiceSpec;
const dedicated = withDatabase[1] as ServiceSpec;
const without = withDatabase[2] as ServiceSpec;

let planned: Planned;
beforeAll(async () => {
  expect(withDatabase.length, "three catalog services with a shared database").toBeGreaterThanOrEqual(3);
  planned = await planWithSearch([
    { ...sharing, dependsOn: [], searchIndex: {} },
    { ...dedicated, dependsOn: [], searchIndex: { dedicated: true } },
    { ...without, dependsOn: [] },
  ]);
}, 60_000);

const urnOf = (p: Planned, type: string, name: string) =>
  p.resource(type, (r: RecordedResource) => r.name === name).urn;

describe("a backing kind registered only in this test", () => {
  it("puts its settings in the service's ConfigMap, per server", () => {
    expect(planned.environment("Deployment", sharing.name)).toMatchObject({
      MEILISEARCH_URL: `http://meilisearch.${NAMESPACE}.svc.cluster.local:${PORT}`,
      MEILISEARCH_INDEX_PREFIX: `${sharing.name}_`,
    });
    expect(planned.environment("Deployment", dedicated.name).MEILISEARCH_URL).toBe(
      `http://meilisearch-${dedicated.name}.${NAMESPACE}.svc.cluster.local:${PORT}`,
    );
    expect(planned.environment("Deployment", without.name).MEILISEARCH_URL).toBeUndefined();
  });

  it("delivers its credential as a secretKeyRef to the service's credentials Secret, never as a literal", () => {
    for (const s of [sharing, dedicated]) {
      const container = planned.container("Deployment", s.name);
      const ref = container.env.find((e: { name: string }) => e.name === "MEILISEARCH_API_KEY");
      expect(ref.value).toBeUndefined();
      expect(ref.valueFrom.secretKeyRef.key).toBe("MEILISEARCH_API_KEY");
      const secret = planned.one("Secret", ref.valueFrom.secretKeyRef.name);
      expect(secret.stringData.MEILISEARCH_API_KEY).toMatch(/.{32}/);
      const cm = planned.one("ConfigMap", container.envFrom[0].configMapRef.name);
      expect(cm.data.MEILISEARCH_API_KEY).toBeUndefined();
    }
    expect(
      planned.container("Deployment", without.name).env.map((e: { name: string }) => e.name),
    ).not.toContain("MEILISEARCH_API_KEY");
  });

  it("opens egress to its server only from the services that ask for it", () => {
    const egressTo = (service: string) =>
      planned
        .one("NetworkPolicy", service)
        .spec.egress.filter((r: { ports: Array<{ port: number }> }) => r.ports.some((p) => p.port === PORT))
        .flatMap((r: { to: unknown[] }) => r.to);
    expect(egressTo(sharing.name)).toEqual([{ podSelector: { matchLabels: searchPods("meilisearch") } }]);
    expect(egressTo(dedicated.name)).toEqual([
      { podSelector: { matchLabels: searchPods(`meilisearch-${dedicated.name}`) } },
    ]);
    expect(egressTo(without.name)).toEqual([]);
  });

  it("makes the migration Job wait for its server, and the rollout wait for the migration", () => {
    for (const [s, server] of [
      [sharing, "meilisearch"],
      [dedicated, `meilisearch-${dedicated.name}`],
    ] as const) {
      const job = planned.resource("kubernetes:batch/v1:Job", (r) => r.name === `${s.name}-migration`);
      expect(job.dependencies, s.name).toContain(urnOf(planned, "kubernetes:core/v1:Service", server));
      expect(planned.one("Job", migrationJobName(s.name, image(s.name)))).toBeDefined();
      const web = planned.resource("kubernetes:apps/v1:Deployment", (r) => r.name === `${s.name}-web`);
      expect(web.dependencies).toContain(job.urn);
    }
  });

  it("creates the shared server once for its sharing tenants and a dedicated one as a child of its service", () => {
    const services = planned.resources.filter((r) => r.type === "kubernetes:core/v1:Service");
    expect(services.filter((r) => r.name.startsWith("meilisearch")).map((r) => r.name)).toEqual([
      "meilisearch",
      `meilisearch-${dedicated.name}`,
    ]);
    const own = services.find((r) => r.name === `meilisearch-${dedicated.name}`);
    expect(own?.parent).toBe(urnOf(planned, "platform:service:PhpService", dedicated.name));
    expect(planned.resources.some((r) => r.name === `meilisearch-${without.name}-key`)).toBe(false);
  });

  it("keeps every built-in kind's wiring next to it", () => {
    for (const s of [sharing, dedicated, without]) {
      const env = planned.environment("Deployment", s.name);
      for (const key of nonEmpty(credentialKeysOf(backingKinds, s)))
        expect(env[key], key).toHaveProperty("secretKeyRef");
    }
  });
});

describe("the kind registry", () => {
  it("answers what a spec asks for, from the kinds' own declarations", () => {
    const search = { ...sharing, searchIndex: { dedicated: true } } as WithSearch;
    expect(needs(searchKind, search)).toBe(true);
    expect(needsDedicated(searchKind, search)).toBe(true);
    expect(needsDedicated(searchKind, sharing)).toBe(false);
    expect(credentialKeysOf([...backingKinds, searchKind], search)).toContain("MEILISEARCH_API_KEY");
    expect(credentialKeysOf([...backingKinds, searchKind], sharing)).not.toContain("MEILISEARCH_API_KEY");
  });

  it("names each kind and its spec field once, and no credential twice", () => {
    const names = backingKinds.map((k) => k.name);
    expect(new Set(names).size).toBe(names.length);
    const fields = backingKinds.map((k) => k.field);
    expect(new Set(fields).size).toBe(fields.length);
    const keys = backingKinds.flatMap((k) => k.credentialKeys);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it("gets one provisioner per kind from the in-cluster profile, in the registry's order", async () => {
    const session = await startMockSession({ project: PROJECT, stack: "test", config: {}, secretKeys: [] });
    const backing = new InClusterBacking("backing", {
      namespace: NAMESPACE,
      services: catalog,
      persistence: { mode: "ephemeral", sizeGi: 1 },
    });
    await session.settle();
    expect(backing.provisioners.map((p) => p.kind)).toEqual([...backingKinds]);
  });
});
