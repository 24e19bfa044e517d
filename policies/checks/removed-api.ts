// removed-api: prevents a manifest the cluster cannot accept. An apiVersion that Kubernetes stopped
// serving (HorizontalPodAutoscaler autoscaling/v2beta2, PodDisruptionBudget policy/v1beta1, Ingress
// extensions/v1beta1 ...) makes `kubectl apply` and `helm upgrade` fail on the cluster, usually at
// the worst time: right after a cluster upgrade, in the middle of a release. Old charts copied from
// the internet carry them. The message names the release that removed the version and what to write
// instead. The other checks still read such objects for what they mean (an HPA of a removed version
// still makes a Deployment replicated for pdb-for-replicated and shared-cache-backend).

import type { ResourceValidationPolicy } from "@pulumi/policy";
import { plain } from "../lib/json";
import { kubeType } from "../lib/k8s";
import { removedApi } from "../lib/removed-apis";
import { configSchema, reporter, targetOf } from "../lib/report";

const POLICY = "removed-api";

export const removedApiPolicy: ResourceValidationPolicy = {
  name: POLICY,
  description: "No object uses an apiVersion that Kubernetes no longer serves.",
  enforcementLevel: "mandatory",
  configSchema: configSchema(),
  validateResource: (args, report) => {
    const t = kubeType(args.type);
    if (!t) return;
    const apiVersion = t.group === "core" ? t.version : `${t.group}/${t.version}`;
    const removed = removedApi(apiVersion, t.kind);
    if (!removed) return;
    const props = plain(args.props);
    reporter(POLICY, args, report, "resource").violation(
      targetOf(args.type, args.name, props, args.urn),
      `apiVersion ${apiVersion} ${t.kind} was removed in Kubernetes ${removed.removedIn}: the API server refuses it, so kubectl apply and helm upgrade fail on every cluster we run. Fix: move to ${removed.replacement}.`,
    );
  },
};
