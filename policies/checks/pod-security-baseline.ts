// pod-security-baseline: the Pod Security Standards "baseline" controls that no other policy of the
// pack covers: Windows HostProcess, AppArmor, SELinux, /proc mount type and sysctls. Each one turns
// off a kernel isolation layer (host-level Windows process, no AppArmor confinement, a privileged
// SELinux domain, an unmasked /proc, a node-wide kernel setting), so a compromised container reaches
// the node. Host namespaces, privileged, hostPath, capabilities and seccomp are checked by
// no-host-namespaces, no-privileged, no-host-paths, drop-all-capabilities and seccomp-runtime-default.
//
// Source: Kubernetes, "Pod Security Standards", Baseline table
// (https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline), as implemented by
// k8s.io/pod-security-admission (policy/check_windowsHostProcess.go, check_appArmorProfile.go,
// check_seLinuxOptions.go, check_procMount.go, check_sysctls.go). As there, every restricted field is
// checked where it is written, pod level and each container (regular, init, ephemeral): a container
// that sets an allowed value does not excuse a forbidden pod-level value, which still applies to every
// container that does not override it (an ephemeral debug container added later included). The
// version-dependent allow-lists are those of the newest Kubernetes (sysctls of 1.29+, SELinux
// container_engine_t of 1.31+). One deliberate difference: Pod Security Admission 1.34 accepts any
// procMount on pods with `hostUsers: false`; we flag Unmasked regardless, as the Standards' text does.

import type { ResourceValidationPolicy } from "@pulumi/policy";
import { at, bool, isRec, isUnknown, type Rec, rec, recs, str } from "../lib/json";
import { forEachWorkload } from "../lib/policy";
import { configSchema, type Reporter, type Target } from "../lib/report";
import type { ContainerRef, Workload } from "../lib/workload";

/** Namespaced sysctls isolated from other pods on the node (Pod Security Standards, baseline). */
const SAFE_SYSCTLS = new Set([
  "kernel.shm_rmid_forced",
  "net.ipv4.ip_local_port_range",
  "net.ipv4.ip_unprivileged_port_start",
  "net.ipv4.tcp_syncookies",
  "net.ipv4.ping_group_range",
  "net.ipv4.ip_local_reserved_ports",
  "net.ipv4.tcp_keepalive_time",
  "net.ipv4.tcp_fin_timeout",
  "net.ipv4.tcp_keepalive_intvl",
  "net.ipv4.tcp_keepalive_probes",
]);

const APPARMOR_TYPES = new Set(["RuntimeDefault", "Localhost"]);
/** The beta annotation that predates `appArmorProfile` (Kubernetes < 1.30); still honoured by kubelets. */
const APPARMOR_ANNOTATION = "container.apparmor.security.beta.kubernetes.io/";
const SELINUX_TYPES = new Set([
  "",
  "container_t",
  "container_init_t",
  "container_kvm_t",
  "container_engine_t",
]);

/** One place a securityContext is written: the pod's, or one container's. */
interface Scope {
  sc: Rec | undefined;
  /** Field path of the securityContext, e.g. `spec.template.spec.containers[0].securityContext`. */
  path: string;
  container?: ContainerRef;
}

interface Ctx {
  target: Target;
  r: Reporter;
}

export const podSecurityBaseline: ResourceValidationPolicy = {
  name: "pod-security-baseline",
  description:
    "Pods meet the Pod Security baseline controls the other policies do not cover: no Windows HostProcess, no Unconfined AppArmor, no custom SELinux user, role or type, no Unmasked /proc, only safe sysctls.",
  enforcementLevel: "mandatory",
  configSchema: configSchema(),
  validateResource: forEachWorkload("pod-security-baseline", ({ w, target, r }) => {
    const ctx = { target, r };
    const scopes: Scope[] = [
      { sc: rec(w.podSpec.securityContext), path: `${w.podSpecPath}.securityContext` },
      ...w.containers.map((c) => ({
        sc: rec(c.spec.securityContext),
        path: `${c.path}.securityContext`,
        container: c,
      })),
    ];
    for (const s of scopes) {
      if (!s.sc) continue;
      hostProcess(ctx, s);
      appArmorProfile(ctx, s);
      seLinuxOptions(ctx, s);
      if (s.container) procMount(ctx, s);
    }
    sysctls(ctx, scopes[0] as Scope);
    appArmorAnnotations(ctx, w);
  }),
};

/** "the container" or, for a pod-level setting, "every container". */
function who(s: Scope): string {
  return s.container ? "the container" : "every container that does not override it";
}

function report(ctx: Ctx, s: Scope, text: string): void {
  ctx.r.violation(ctx.target, text, s.container ? { container: s.container } : undefined);
}

function hostProcess(ctx: Ctx, s: Scope): void {
  if (bool(at(s.sc, "windowsOptions", "hostProcess")) !== true) return;
  report(
    ctx,
    s,
    `${s.path}.windowsOptions.hostProcess is true: ${who(s)} runs as a process on the Windows node, with the node's network and file system. Fix: remove hostProcess (or set it to false); node agents belong to the cluster operator, not to an application.`,
  );
}

function appArmorProfile(ctx: Ctx, s: Scope): void {
  const profile = s.sc?.appArmorProfile;
  if (!isRec(profile)) return;
  const type = profile.type;
  if (isUnknown(type) || (typeof type === "string" && APPARMOR_TYPES.has(type))) return;
  report(
    ctx,
    s,
    `${s.path}.appArmorProfile.type is ${type === undefined ? "not set" : JSON.stringify(type)}: ${who(s)} runs without AppArmor confinement. Fix: remove appArmorProfile (the runtime default applies) or set appArmorProfile: {type: RuntimeDefault} (or Localhost with a node profile).`,
  );
}

function appArmorAnnotations(ctx: Ctx, w: Workload): void {
  for (const [key, value] of Object.entries(w.podAnnotations)) {
    if (!key.startsWith(APPARMOR_ANNOTATION)) continue;
    if (value === "" || value === "runtime/default" || value.startsWith("localhost/")) continue;
    const name = key.slice(APPARMOR_ANNOTATION.length);
    const container = w.containers.find((c) => c.name === name);
    const metaPath = w.kind === "Pod" ? "metadata" : `${w.podSpecPath.slice(0, -".spec".length)}.metadata`;
    report(
      ctx,
      { sc: undefined, path: metaPath, container },
      `${metaPath}.annotations["${key}"] is ${JSON.stringify(value)}: the container runs without AppArmor confinement. Fix: remove the annotation (the runtime default applies) or set it to runtime/default (or localhost/<profile>); on Kubernetes 1.30+ prefer securityContext.appArmorProfile: {type: RuntimeDefault}.`,
    );
  }
}

function seLinuxOptions(ctx: Ctx, s: Scope): void {
  const opts = s.sc?.seLinuxOptions;
  if (!isRec(opts)) return;
  const problems: string[] = [];
  const type = opts.type;
  if (typeof type === "string" && !SELINUX_TYPES.has(type)) problems.push(`type is ${JSON.stringify(type)}`);
  for (const field of ["user", "role"] as const) {
    const v = str(opts[field]);
    if (v) problems.push(`${field} is ${JSON.stringify(v)}`);
  }
  if (problems.length === 0) return;
  report(
    ctx,
    s,
    `${s.path}.seLinuxOptions ${problems.join(", ")}: a custom SELinux user, role or type can lift ${who(s)} out of the confined container domain. Fix: remove user and role, and leave type unset or use container_t (container_init_t, container_kvm_t, container_engine_t are also allowed); level may stay.`,
  );
}

function procMount(ctx: Ctx, s: Scope): void {
  const value = s.sc?.procMount;
  if (value === undefined || value === null || isUnknown(value) || value === "Default") return;
  report(
    ctx,
    s,
    `${s.path}.procMount is ${JSON.stringify(value)}: /proc is mounted without the default masks, exposing kernel and host information. Fix: remove procMount (or set it to Default).`,
  );
}

function sysctls(ctx: Ctx, pod: Scope): void {
  recs(pod.sc?.sysctls).forEach((sysctl, i) => {
    const name = sysctl.name;
    if (typeof name !== "string" || SAFE_SYSCTLS.has(name)) return;
    report(
      ctx,
      pod,
      `${pod.path}.sysctls[${i}].name is ${JSON.stringify(name)}: it is outside the safe set (namespaced sysctls isolated from other pods on the node); others can change the kernel for every pod on the node or weaken a security mechanism, and the kubelet refuses them unless the node allows them. Fix: remove it, or use one of the safe sysctls (${[...SAFE_SYSCTLS].join(", ")}); a node-wide setting belongs in the node pool configuration.`,
    );
  });
}
