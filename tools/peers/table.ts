// Prints who catches what on the Kubernetes fixtures (test/policies/fixtures): the pack, and each
// peer tools/peers/run.sh built and ran. Usage: node --import tsx tools/peers/table.ts <out dir>.
// A failure fixture counts as caught by a peer when one of the peer's checks that covers the
// fixture's policy (MAPPING) fails on it; on a success fixture, such a failing check is a false alarm.
// Peers that could not be built are listed with the reason.

import { existsSync, readFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { loadFixture, runFixture } from "../../test/policies/harness";

export type Peer = "kube-score" | "polaris" | "kubeconform" | "trivy";
const PEERS: Peer[] = ["kube-score", "polaris", "kubeconform", "trivy"];

// Which checks of each peer cover which policy of the pack (their ids as they print them).
export const MAPPING: Record<string, Partial<Record<Peer, string[]>>> = {
  "image-pinned": { "kube-score": ["container-image-tag"], polaris: ["tagNotSpecified"], trivy: ["KSV013"] },
  "resources-set": {
    "kube-score": ["container-resources"],
    polaris: ["cpuRequestsMissing", "memoryRequestsMissing", "memoryLimitsMissing"],
    trivy: ["KSV011", "KSV015", "KSV016", "KSV018"],
  },
  "run-as-non-root": {
    "kube-score": ["container-security-context-user-group-id"],
    polaris: ["runAsRootAllowed"],
    trivy: ["KSV012", "KSV105"],
  },
  "no-privilege-escalation": { polaris: ["privilegeEscalationAllowed"], trivy: ["KSV001"] },
  "drop-all-capabilities": {
    polaris: ["insecureCapabilities", "dangerousCapabilities"],
    trivy: ["KSV003", "KSV022", "KSV106"],
  },
  "seccomp-runtime-default": {
    "kube-score": ["container-seccomp-profile"],
    polaris: ["linuxHardening"],
    trivy: ["KSV030", "KSV104"],
  },
  "no-privileged": {
    "kube-score": ["container-security-context-privileged"],
    polaris: ["runAsPrivileged"],
    trivy: ["KSV017"],
  },
  "no-host-namespaces": {
    polaris: ["hostNetworkSet", "hostPIDSet", "hostIPCSet", "hostPortSet"],
    trivy: ["KSV008", "KSV009", "KSV010", "KSV024"],
  },
  "no-host-paths": { polaris: ["hostPathSet"], trivy: ["KSV023"] },
  // AppArmor, SELinux, sysctls, procMount, Windows HostProcess.
  "pod-security-baseline": { trivy: ["KSV002", "KSV025", "KSV026", "KSV027", "KSV103"] },
  "readonly-root-fs": {
    "kube-score": ["container-security-context-readonlyrootfilesystem"],
    polaris: ["notReadOnlyRootFilesystem"],
    trivy: ["KSV014"],
  },
  "pdb-for-replicated": {
    "kube-score": ["deployment-has-poddisruptionbudget", "statefulset-has-poddisruptionbudget"],
    polaris: ["missingPodDisruptionBudget", "pdbDisruptionsIsZero"],
  },
  "default-deny-network": {
    "kube-score": ["pod-networkpolicy"],
    polaris: ["missingNetworkPolicy"],
  },
  "meaningful-readiness": { "kube-score": ["pod-probes"], polaris: ["readinessProbeMissing"] },
  "startup-and-liveness": { "kube-score": ["pod-probes-identical"], polaris: ["livenessProbeMissing"] },
  "no-plaintext-secrets": {
    polaris: ["sensitiveContainerEnvVar", "sensitiveConfigmapContent"],
    trivy: ["KSV109", "secret"],
  },
};

interface Row {
  file: string;
  policy: string;
  outcome: "success" | "failure";
  pack: boolean;
  peers: Partial<Record<Peer, { ran: boolean; failing: string[] }>>;
}

function read(file: string): string | undefined {
  return existsSync(file) ? readFileSync(file, "utf8") : undefined;
}

function failing(peer: Peer, runs: string, key: string, file: string): string[] | undefined {
  const own = read(join(runs, `${peer}.${key}.json`));
  if (own !== undefined || peer !== "trivy") return failingChecks(peer, own);
  // Trivy ran once over the fixture directory: keep the results whose target is this file.
  const all = read(join(runs, "trivy.all.json"));
  if (all === undefined || all.trim() === "") return undefined;
  const target = file.replace(/^test\/policies\/fixtures\//, "");
  const results = ((JSON.parse(all) as { Results?: Array<{ Target?: string }> }).Results ?? []).filter(
    (r) => r.Target === target,
  );
  return failingChecks("trivy", JSON.stringify({ Results: results }));
}

/** Ids of the checks that failed in one peer's JSON output, or undefined when the peer did not run. */
export function failingChecks(peer: Peer, text: string | undefined): string[] | undefined {
  if (text === undefined || text.trim() === "") return undefined;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  const ids = new Set<string>();
  if (peer === "kube-score") {
    for (const o of (Array.isArray(json) ? json : []) as Array<{
      checks: Array<{ check: { id: string }; grade: number; skipped: boolean }>;
    }>)
      for (const c of o.checks) if (!c.skipped && c.grade < 10) ids.add(c.check.id);
  } else if (peer === "polaris") {
    const results = (json as { Results?: Array<Record<string, unknown>> }).Results ?? [];
    const collect = (r: unknown) => {
      for (const [id, v] of Object.entries((r ?? {}) as Record<string, { Success?: boolean }>))
        if (v && v.Success === false) ids.add(id);
    };
    for (const r of results) {
      collect(r.Results);
      const pod = r.PodResult as
        | { Results?: unknown; ContainerResults?: Array<{ Results?: unknown }> }
        | undefined;
      collect(pod?.Results);
      for (const c of pod?.ContainerResults ?? []) collect(c.Results);
    }
  } else if (peer === "kubeconform") {
    const resources = (json as { resources?: Array<{ status: string; msg?: string }> }).resources ?? [];
    // Without its schemas (offline, no KUBECONFORM_SCHEMAS) it validated nothing: it did not run.
    if (resources.some((r) => /failed downloading schema/.test(r.msg ?? ""))) return undefined;
    for (const r of resources)
      if (r.status === "statusInvalid" || r.status === "statusError") ids.add("schema");
  } else {
    for (const r of (json as { Results?: Array<Record<string, unknown>> }).Results ?? []) {
      // Newer Trivy prints KSV-0001 where older ones (and our MAPPING) say KSV001.
      for (const m of (r.Misconfigurations as Array<{ ID: string; Status: string }> | undefined) ?? [])
        if (m.Status === "FAIL") ids.add(m.ID.replace(/^KSV-0?(\d{3})$/, "KSV$1"));
      if (((r.Secrets as unknown[] | undefined) ?? []).length > 0) ids.add("secret");
    }
  }
  return [...ids].sort();
}

function main(out: string): void {
  const root = resolve(__dirname, "..", "..");
  const runs = join(out, "runs");
  const files = (read(join(runs, "files.txt")) ?? "").split("\n").filter(Boolean);
  const rows: Row[] = [];
  for (const file of files) {
    const policy = basename(dirname(file));
    if (policy.startsWith("_")) continue;
    const fixture = loadFixture(join(root, file), policy);
    const pack = runFixture(fixture).violations.some((v) => v.policy === policy);
    const key = file.replaceAll("/", "_");
    const peers: Row["peers"] = {};
    for (const p of PEERS) {
      const ids = failing(p, runs, key, file);
      peers[p] = { ran: ids !== undefined, failing: ids ?? [] };
    }
    rows.push({ file, policy, outcome: fixture.outcome, pack, peers });
  }
  const ran = PEERS.filter((p) => rows.some((r) => r.peers[p]?.ran));
  const covers = (p: Peer, r: Row) =>
    (r.peers[p]?.failing ?? []).some((id) => MAPPING[r.policy]?.[p]?.includes(id));

  const lines: string[] = [];
  lines.push(
    `| policy | failure fixtures | pack | ${ran.join(" | ")} | false alarms on success fixtures (pack${ran.map((p) => `, ${p}`).join("")}) |`,
  );
  lines.push(`| --- | --- | --- | ${ran.map(() => "---").join(" | ")} | --- |`);
  const policies = [...new Set(rows.map((r) => r.policy))].sort();
  const total = { failures: 0, pack: 0, peers: new Map<Peer, number>() };
  for (const policy of policies) {
    const mine = rows.filter((r) => r.policy === policy);
    const failures = mine.filter((r) => r.outcome === "failure");
    const successes = mine.filter((r) => r.outcome === "success");
    const caught = (f: (r: Row) => boolean) => failures.filter(f).length;
    total.failures += failures.length;
    total.pack += caught((r) => r.pack);
    const cells = ran.map((p) => {
      const n = caught((r) => covers(p, r));
      total.peers.set(p, (total.peers.get(p) ?? 0) + n);
      return MAPPING[policy]?.[p] ? String(n) : "—";
    });
    const alarms = [
      successes.filter((r) => r.pack).length,
      ...ran.map((p) => successes.filter((r) => covers(p, r)).length),
    ];
    lines.push(
      `| \`${policy}\` | ${failures.length} | ${caught((r) => r.pack)} | ${cells.join(" | ")} | ${alarms.join(" / ")} of ${successes.length} |`,
    );
  }
  lines.push(
    `| **all** | ${total.failures} | ${total.pack} | ${ran.map((p) => total.peers.get(p) ?? 0).join(" | ")} | |`,
  );
  for (const p of PEERS) {
    const why = read(join(out, `${p}.unbuildable`));
    const unavailable = read(join(out, `${p}.unavailable`));
    if (why) lines.push(`\n${p}: not buildable here: ${why.trim()}`);
    else if (unavailable) lines.push(`\n${p}: built, not run: ${unavailable.trim()}`);
    else if (!existsSync(join(out, "..", "bin", p)))
      lines.push(`\n${p}: not built yet (tools/peers/run.sh build)`);
    else if (!ran.includes(p))
      lines.push(
        `\n${p}: built, but it produced no result on the fixtures (see ${join(runs, `${p}.*.json`)})`,
      );
  }
  // Every failing check id per peer and file, for reading the table's cells.
  lines.push("\nFailing checks per fixture (peer: ids):");
  for (const r of rows) {
    const parts = ran.map((p) => `${p}: ${(r.peers[p]?.failing ?? []).join(",") || "-"}`);
    lines.push(`  ${r.file} [pack ${r.pack ? "caught" : "-"}] ${parts.join("; ")}`);
  }
  console.log(lines.join("\n"));
}

if (require.main === module)
  main(process.argv[2] ?? join(process.env.HOME ?? ".", ".cache", "platform", "peers", "out"));
