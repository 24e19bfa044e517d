import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { run } from "../lib/proc";

// The real node's network: Debian's CNI plugins (a bridge with host-local addresses) for pod IPs,
// kube-proxy (iptables) for Service IPs, and kube-router's firewall for NetworkPolicies. kube-router
// leaves its iptables chains and ipsets behind (its --cleanup-config exits 2 here), so teardown
// removes what it added by name.

export interface PodNetwork {
  bridge: string;
  podCidr: string;
  gateway: string;
}

/** The bridge conflist: one /24 on one node, masquerade to the outside, hairpin for Service loops. */
export function writeCniConfig(confDir: string, stateDir: string, net: PodNetwork): void {
  writeFileSync(
    join(confDir, "10-e2e-bridge.conflist"),
    JSON.stringify(
      {
        cniVersion: "1.0.0",
        name: "e2e-pods",
        plugins: [
          {
            type: "bridge",
            bridge: net.bridge,
            isGateway: true,
            ipMasq: true,
            hairpinMode: true,
            ipam: {
              type: "host-local",
              dataDir: join(stateDir, "cni-ipam"),
              ranges: [[{ subnet: net.podCidr, gateway: net.gateway }]],
              routes: [{ dst: "0.0.0.0/0" }],
            },
          },
          { type: "portmap", capabilities: { portMappings: true } },
        ],
      },
      null,
      2,
    ),
  );
}

/** The network namespaces CRI created (named cni-<uuid>), to remove those of this run only. */
export function netnsNames(): string[] {
  return existsSync("/run/netns") ? readdirSync("/run/netns").filter((n) => n.startsWith("cni-")) : [];
}

// kube-router's chains, and the bridge plugin's masquerade chains (CNI-<hash>) of pods killed without a CNI DEL.
const OWN_CHAIN = /^(KUBE-ROUTER-|KUBE-POD-FW-|KUBE-NWPLCY-|KUBE-SRC-|KUBE-DST-|CNI-)/;

/** Removes those chains (and the jumps to them) and kube-router's ipsets. */
export async function removeKubeRouterState(logFile: string): Promise<void> {
  for (const table of ["filter", "nat", "mangle"]) {
    const rules = await run("iptables", ["-t", table, "-S"], { timeoutMs: 30_000 });
    const lines = rules.stdout.split("\n");
    const chains = lines
      .filter((l) => l.startsWith("-N "))
      .map((l) => l.slice(3).trim())
      .filter((c) => OWN_CHAIN.test(c));
    for (const l of lines) {
      const m = /^-A (\S+) (.*-j (\S+).*)$/.exec(l);
      if (m?.[1] && m[2] && m[3] && !OWN_CHAIN.test(m[1]) && OWN_CHAIN.test(m[3])) {
        await run("sh", ["-c", `iptables -t ${table} -D ${m[1]} ${m[2]}`], { logFile, timeoutMs: 30_000 });
      }
    }
    for (const c of chains) await run("iptables", ["-t", table, "-F", c], { logFile, timeoutMs: 30_000 });
    for (const c of chains) await run("iptables", ["-t", table, "-X", c], { logFile, timeoutMs: 30_000 });
  }
  const sets = await run("ipset", ["list", "-n"], { timeoutMs: 30_000 });
  for (const name of sets.stdout.split("\n").filter((n) => /^(KUBE-|kube-router)/.test(n))) {
    await run("ipset", ["destroy", name], { logFile, timeoutMs: 30_000 });
  }
}

export async function removeNetns(names: readonly string[], logFile: string): Promise<void> {
  for (const n of names) {
    await run("umount", [`/run/netns/${n}`], { logFile, timeoutMs: 30_000 });
    await run("rm", ["-f", `/run/netns/${n}`], { logFile, timeoutMs: 30_000 });
  }
}

export async function removeBridge(bridge: string, logFile: string): Promise<void> {
  await run("ip", ["link", "delete", bridge], { logFile, timeoutMs: 30_000 });
}
