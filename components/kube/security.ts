import type * as k8s from "@pulumi/kubernetes";

// Pod Security "restricted", applied by default to everything the platform runs. The policy pack
// checks the same rules, so a component that drifts from them fails its own plan.

/** A non-root UID above the range images commonly reserve (kube-score asks for > 10000). */
export const APP_UID = 10_001;

export function restrictedPodSecurityContext(
  extra: Partial<k8s.types.input.core.v1.PodSecurityContext> = {},
): k8s.types.input.core.v1.PodSecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: APP_UID,
    runAsGroup: APP_UID,
    fsGroup: APP_UID,
    seccompProfile: { type: "RuntimeDefault" },
    ...extra,
  };
}

export function restrictedContainerSecurityContext(
  extra: Partial<k8s.types.input.core.v1.SecurityContext> = {},
): k8s.types.input.core.v1.SecurityContext {
  return {
    allowPrivilegeEscalation: false,
    privileged: false,
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
    ...extra,
  };
}

/** An emptyDir volume and its mount, for a path the process must write to on a read-only root. */
export function writablePath(
  name: string,
  mountPath: string,
  sizeLimit = "64Mi",
): { volume: k8s.types.input.core.v1.Volume; mount: k8s.types.input.core.v1.VolumeMount } {
  return { volume: { name, emptyDir: { sizeLimit } }, mount: { name, mountPath } };
}
