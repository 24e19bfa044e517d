// no-host-paths: prevents "the ghost of the CI runner" (field notes 1). Production config held
// `/home/jenkins-slave/share_media/...`: an NFS mount on a long-gone CI host, and the pod
// crash-looped. Files shared between pods belong in object storage selected by an environment
// variable (Flysystem: APP__FLYSYSTEM_MEDIA_STORAGE), never in a node's filesystem (hostPath), a
// host's NFS export, or a ReadWriteMany volume used as a shortcut. Flagged: hostPath and nfs
// volumes (attributed to the containers that mount them, so a container-scoped exemption stays
// narrow), env values, args and ConfigMap values holding absolute paths into home directories or CI
// workspaces, and ReadWriteMany claims (PersistentVolumeClaim, StatefulSet volumeClaimTemplates).

import type { ResourceValidationPolicy } from "@pulumi/policy";
import { configMapData, literalEnv } from "../lib/env";
import { at, isRec, plain, type Rec, recs, str, strs } from "../lib/json";
import { kubeType, T } from "../lib/k8s";
import { hostOnlyPaths, isHomeVariable } from "../lib/paths";
import { configSchema, type Reporter, reporter, type Target, targetOf } from "../lib/report";
import { type Workload, workloadOf } from "../lib/workload";

const POLICY = "no-host-paths";
const OBJECT_STORAGE =
  "Fix: put shared files in object storage (Blob Storage/S3 through Flysystem, selected by APP__FLYSYSTEM_MEDIA_STORAGE).";

function checkWorkload(w: Workload, target: Target, r: Reporter): void {
  const mountedBy = new Map<string, Array<{ c: (typeof w.containers)[number]; mountPath: string }>>();
  for (const c of w.containers) {
    for (const m of recs(c.spec.volumeMounts)) {
      const name = str(m.name);
      if (!name) continue;
      const list = mountedBy.get(name) ?? [];
      list.push({ c, mountPath: str(m.mountPath) ?? "?" });
      mountedBy.set(name, list);
    }
  }
  for (const v of recs(w.podSpec.volumes)) {
    const name = str(v.name) ?? "?";
    let what: string | undefined;
    if (isRec(v.hostPath)) what = `hostPath volume "${name}" (${str(v.hostPath.path) ?? "?"})`;
    else if (isRec(v.nfs))
      what = `NFS volume "${name}" (${str(v.nfs.server) ?? "?"}:${str(v.nfs.path) ?? "?"})`;
    if (!what) continue;
    const users = mountedBy.get(name) ?? [];
    const why = "it ties the pod to one machine's disk, which dies or differs on the next node.";
    if (users.length === 0) {
      r.violation(target, `declares ${what} in ${w.podSpecPath}.volumes: ${why} ${OBJECT_STORAGE}`);
    }
    for (const u of users) {
      r.violation(target, `mounts ${what} at ${u.mountPath}: ${why} ${OBJECT_STORAGE}`, { container: u.c });
    }
  }
  for (const c of w.containers) {
    for (const e of literalEnv(c)) {
      if (e.value === undefined || isHomeVariable(e.name)) continue;
      for (const p of hostOnlyPaths(e.value)) {
        r.violation(
          target,
          `env ${e.name} points at ${p.path}, ${p.what}: that path does not exist in the cluster. ${OBJECT_STORAGE}`,
          { container: c },
        );
      }
    }
    const argv = [...strs(c.spec.command), ...strs(c.spec.args)].join(" ");
    for (const p of hostOnlyPaths(argv)) {
      r.violation(target, `command/args reference ${p.path}, ${p.what}. ${OBJECT_STORAGE}`, { container: c });
    }
  }
  if (w.kind === "StatefulSet") {
    for (const t of recs(at(w.props, "spec", "volumeClaimTemplates"))) {
      if (strs(at(t, "spec", "accessModes")).includes("ReadWriteMany")) {
        r.violation(
          target,
          `volumeClaimTemplates "${str(at(t, "metadata", "name")) ?? "?"}" asks for ReadWriteMany: a shared file system as application storage. ${OBJECT_STORAGE}`,
        );
      }
    }
  }
}

export const noHostPaths: ResourceValidationPolicy = {
  name: POLICY,
  description:
    "No hostPath/NFS volumes, no paths into home directories or CI workspaces, no ReadWriteMany shared storage.",
  enforcementLevel: "mandatory",
  configSchema: configSchema(),
  validateResource: (args, report) => {
    const kt = kubeType(args.type);
    if (!kt) return;
    const w = workloadOf(args.type, args.props);
    if (!w && args.type !== T.configMap && args.type !== T.pvc) return;
    const props: Rec = w ? w.props : plain(args.props);
    const target = targetOf(args.type, args.name, props, args.urn);
    const r = reporter(POLICY, args, report, "resource");
    if (w) {
      checkWorkload(w, target, r);
    } else if (args.type === T.configMap) {
      for (const [key, value] of Object.entries(configMapData(props))) {
        // Whole files (collector configs) legitimately mention host paths; HOME-like keys are image paths.
        if (value.includes("\n") || isHomeVariable(key)) continue;
        for (const p of hostOnlyPaths(value)) {
          r.violation(
            target,
            `key ${key} points at ${p.path}, ${p.what}: that path does not exist in the cluster. ${OBJECT_STORAGE}`,
          );
        }
      }
    } else if (strs(at(props, "spec", "accessModes")).includes("ReadWriteMany")) {
      r.violation(
        target,
        `spec.accessModes contains ReadWriteMany: a file system shared between pods is the shortcut that left production depending on one NFS host. ${OBJECT_STORAGE}`,
      );
    }
  },
};
