// tools/peers/table.ts reads each peer's JSON output as the peer prints it (shapes taken from
// kube-score 1.20 and kubeconform 0.8 runs, Trivy 0.74 and Polaris audit JSON as documented), and
// maps only policies that exist.

import { describe, expect, it } from "vitest";
import { policyIds } from "../../policies/checks";
import { failingChecks, MAPPING } from "../../tools/peers/table";
import { nonEmpty } from "../helpers/non-empty";

describe("peer outputs", () => {
  it("kube-score: checks graded below 10 and not skipped", () => {
    const out = JSON.stringify([
      {
        object_name: "Deployment/apps/v1/shop/content",
        checks: [
          { check: { id: "container-image-tag" }, grade: 1, skipped: false },
          { check: { id: "pod-probes" }, grade: 10, skipped: true },
          { check: { id: "container-seccomp-profile" }, grade: 5, skipped: true },
          { check: { id: "pod-networkpolicy" }, grade: 5, skipped: false },
        ],
      },
    ]);
    expect(failingChecks("kube-score", out)).toEqual(["container-image-tag", "pod-networkpolicy"]);
    expect(failingChecks("kube-score", "null")).toEqual([]);
  });

  it("Trivy: failed misconfigurations with KSV-0001 ids read as KSV001, and secrets", () => {
    const out = JSON.stringify({
      Results: [
        {
          Misconfigurations: [
            { ID: "KSV-0001", Status: "FAIL" },
            { ID: "KSV-0109", Status: "FAIL" },
            { ID: "KSV-0014", Status: "PASS" },
          ],
        },
        { Secrets: [{ RuleID: "github-pat" }] },
      ],
    });
    expect(failingChecks("trivy", out)).toEqual(["KSV001", "KSV109", "secret"]);
  });

  it("Polaris: failed results at object, pod and container level", () => {
    const out = JSON.stringify({
      Results: [
        {
          Results: { sensitiveConfigmapContent: { Success: false } },
          PodResult: {
            Results: { hostNetworkSet: { Success: true } },
            ContainerResults: [{ Results: { runAsPrivileged: { Success: false } } }],
          },
        },
      ],
    });
    expect(failingChecks("polaris", out)).toEqual(["runAsPrivileged", "sensitiveConfigmapContent"]);
  });

  it("kubeconform: invalid objects, and no result at all when its schemas could not be downloaded", () => {
    expect(
      failingChecks("kubeconform", JSON.stringify({ resources: [{ status: "statusInvalid" }] })),
    ).toEqual(["schema"]);
    const offline = {
      resources: [{ status: "statusError", msg: "failed downloading schema at https://..." }],
    };
    expect(failingChecks("kubeconform", JSON.stringify(offline))).toBeUndefined();
    expect(failingChecks("kubeconform", undefined)).toBeUndefined();
  });

  it("maps only policies the pack has", () => {
    for (const policy of nonEmpty(Object.keys(MAPPING))) expect(policyIds).toContain(policy);
  });
});
