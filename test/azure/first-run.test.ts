import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { certManagerValues } from "../../components/azure/cluster-addons";
import { AZURE_CLI_CLIENT_ID, deployerPrincipalType } from "../../components/azure/deployer";
import { kubeloginArgs } from "../../components/azure/kubeconfig";
import { DEFAULT_KUBERNETES_VERSION } from "../../components/azure-options/schema";
import { MOCK_DEPLOYER, MOCK_TENANT, mockAksKubeconfig } from "../../tools/plan/mock-state-azure";
import type { RecordedResource } from "../../tools/plan/runtime";
import { nonEmpty } from "../helpers/non-empty";
import { type Planned, plan } from "../helpers/program";
import { expectNoError, find, idOf, inputs, ofType, stackValues, T } from "./helpers";

// What would fail on the first real `pulumi up` of an Azure stack and that the offline plan can
// still prove: role assignments a service principal can receive, the order of the cluster-wide
// operators, a Key Vault whose secrets a CI runner can delete, kubelogin arguments per mode, a
// Kubernetes version AKS still creates, and no Container insights without a collection rule.

const SECRETS_OFFICER = "b86a8fe4-44ce-4948-aee5-eccb2c155cd7";
const CLUSTER_ADMIN = "b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b";
const roleOf = (r: RecordedResource) => String(inputs(r).roleDefinitionId).split("/").pop();

let staging: Planned;
let stagingAsUser: Planned;

beforeAll(async () => {
  const values = stackValues("staging");
  staging = await plan(values, { stack: "staging" });
  const asUser = structuredClone(values);
  (asUser.azure as { deployer: Record<string, unknown> }).deployer.principalType = "User";
  stagingAsUser = await plan(asUser, { stack: "staging" });
  expectNoError(staging);
  expectNoError(stagingAsUser);
}, 240_000);

describe("role assignments of the deployer", () => {
  it("name a principal type on every assignment (the SDK would send User, which a pipeline is not)", () => {
    const roles = ofType(staging, T.role);
    expect(roles.length).toBeGreaterThan(0);
    for (const r of nonEmpty(roles))
      expect(["User", "ServicePrincipal"], r.name).toContain(inputs(r).principalType);
  });

  it("take the deployer's type from the provider's login, or from platform:azure.deployer.principalType", () => {
    expect(deployerPrincipalType(undefined, AZURE_CLI_CLIENT_ID)).toBe("User");
    expect(deployerPrincipalType(undefined, "5a0c3b9e-0000-4000-8000-000000000001")).toBe("ServicePrincipal");
    expect(deployerPrincipalType("User", "5a0c3b9e-0000-4000-8000-000000000001")).toBe("User");
    const deployerRoles = (p: Planned) =>
      ofType(p, T.role).filter((r) => inputs(r).principalId === MOCK_DEPLOYER);
    // The mock deployer logs in with its own client id, as a pipeline does.
    expect(deployerRoles(staging).map(roleOf).sort()).toEqual([CLUSTER_ADMIN, SECRETS_OFFICER].sort());
    for (const r of nonEmpty(deployerRoles(staging)))
      expect(inputs(r).principalType).toBe("ServicePrincipal");
    for (const r of nonEmpty(deployerRoles(stagingAsUser))) expect(inputs(r).principalType).toBe("User");
  });
});

describe("cluster-wide operators on a new cluster", () => {
  it("apply the RabbitMQ operator's manifest after cert-manager, whose API check Pulumi waits for", () => {
    const chart = find(staging, "kubernetes:helm.sh/v4:Chart", (i) =>
      String(i.chart).endsWith("/cert-manager"),
    );
    const operator = find(staging, "kubernetes:yaml/v2:ConfigFile", (i) => /cluster-operator/.test(i.file));
    expect(operator.dependencies).toContain(chart.urn);
    const check = inputs(chart).values.startupapicheck;
    expect(check).toEqual(certManagerValues().startupapicheck);
    expect(check.enabled).toBe(true);
    expect(check.jobAnnotations["pulumi.com/waitFor"]).toBe("condition=Complete");
    const broker = find(staging, "kubernetes:rabbitmq.com/v1beta1:RabbitmqCluster");
    expect(broker.dependencies).toEqual(expect.arrayContaining([chart.urn, operator.urn]));
  });
});

describe("Key Vault secrets from a CI runner", () => {
  it("let the deployer's egress ranges through the vault firewall, and nobody else", () => {
    const ranges = (stackValues("staging").azure as { deployer: { ipRanges: string[] } }).deployer.ipRanges;
    expect(ranges.length).toBeGreaterThan(0);
    const p = inputs(find(staging, T.vault)).properties;
    expect(p.publicNetworkAccess).toBe("Enabled");
    expect(p.networkAcls.defaultAction).toBe("Deny");
    expect(p.networkAcls.ipRules.map((r: { value: string }) => r.value)).toEqual(ranges);
    expect(p.enablePurgeProtection).toBe(true);
  });

  it("keep public access disabled when the deployer runs inside the network", async () => {
    const values = structuredClone(stackValues("staging"));
    (values.azure as { deployer: Record<string, unknown> }).deployer.ipRanges = [];
    const inside = await plan(values, { stack: "staging" });
    expectNoError(inside);
    const p = inputs(find(inside, T.vault)).properties;
    expect(p.publicNetworkAccess).toBe("Disabled");
    expect(p.networkAcls.ipRules).toEqual([]);
  }, 120_000);

  it("give the deployer Secrets Officer on the vault before any secret exists and until the last is deleted", () => {
    const vault = find(staging, T.vault);
    const officer = ofType(staging, T.role).find((r) => roleOf(r) === SECRETS_OFFICER);
    expect(officer).toBeDefined();
    expect(inputs(officer as RecordedResource).scope).toBe(idOf(vault));
    expect(inputs(officer as RecordedResource).principalId).toBe(MOCK_DEPLOYER);
    const secrets = ofType(staging, T.secret);
    expect(secrets.length).toBeGreaterThan(0);
    for (const s of nonEmpty(secrets))
      expect(s.dependencies, s.name).toContain((officer as RecordedResource).urn);
  });
});

describe("kubelogin arguments, per login mode (as kubelogin convert-kubeconfig builds them)", () => {
  const raw = mockAksKubeconfig("aks-platform-staging", "aks.example.azmk8s.io");
  const original = (): string[] => parse(raw).users[0].user.exec.args;
  const serverId = () => original()[original().indexOf("--server-id") + 1] as string;

  it("read the AKS server id from the generated device-code kubeconfig", () => {
    expect(original().slice(0, 3)).toEqual(["get-token", "--login", "devicecode"]);
    expect(serverId()).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("azurecli and workloadidentity: the server id only (tenant and identity come from the login)", () => {
    for (const mode of ["azurecli", "workloadidentity"] as const) {
      expect(kubeloginArgs(original(), mode)).toEqual([
        "get-token",
        "--login",
        mode,
        "--server-id",
        serverId(),
      ]);
    }
  });

  it("spn: client id, tenant id and environment of the original", () => {
    const args = kubeloginArgs(original(), "spn");
    expect(args.slice(0, 5)).toEqual(["get-token", "--login", "spn", "--server-id", serverId()]);
    expect(args).toEqual(
      expect.arrayContaining(["--tenant-id", MOCK_TENANT, "--environment", "AzurePublicCloud"]),
    );
    expect(args[args.indexOf("--client-id") + 1]).toBe(original()[original().indexOf("--client-id") + 1]);
  });

  it("msi: never the public AKS client id; the identity's own client id only when configured", () => {
    expect(kubeloginArgs(original(), "msi")).toEqual([
      "get-token",
      "--login",
      "msi",
      "--server-id",
      serverId(),
    ]);
    const id = "0f1e2d3c-4b5a-4968-8776-655443322110";
    expect(kubeloginArgs(original(), "msi", { msiClientId: id })).toEqual([
      "get-token",
      "--login",
      "msi",
      "--server-id",
      serverId(),
      "--client-id",
      id,
    ]);
  });
});

describe("Kubernetes version", () => {
  it("defaults to a version AKS still creates, for the cluster and its user pool", async () => {
    const values = structuredClone(stackValues("staging"));
    delete (values.azure as { aks: Record<string, unknown> }).aks.kubernetesVersion;
    const p = await plan(values, { stack: "staging" });
    expectNoError(p);
    expect(inputs(find(p, T.cluster)).kubernetesVersion).toBe(DEFAULT_KUBERNETES_VERSION);
    expect(inputs(find(p, T.agentPool)).orchestratorVersion).toBe(DEFAULT_KUBERNETES_VERSION);
  }, 120_000);

  it("refuses a minor that left support, pointing at az aks get-versions", async () => {
    const values = structuredClone(stackValues("staging"));
    (values.azure as { aks: Record<string, unknown> }).aks.kubernetesVersion = "1.34";
    const p = await plan(values, { stack: "staging" });
    expect(p.run.error?.message).toMatch(
      /platform:azure\.aks\.kubernetesVersion: is no longer supported: pick a version AKS still offers \(az aks get-versions --location <region> -o table\)/,
    );
    expect(p.resources).toEqual([]);
  }, 120_000);
});

describe("container logs", () => {
  it("go to Loki: no Container insights add-on without a data collection rule; the workspace keeps Azure's logs", () => {
    const cluster = inputs(find(staging, T.cluster));
    expect(Object.keys(cluster.addonProfiles)).not.toContain("omsagent");
    expect(ofType(staging, "azure-native:insights:DataCollectionRule")).toEqual([]);
    expect(ofType(staging, T.workspace)).toHaveLength(1);
    expect(ofType(staging, "kubernetes:helm.sh/v4:Chart").some((c) => inputs(c).chart === "loki")).toBe(true);
  });
});
