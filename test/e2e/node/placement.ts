import { applyObjects, type Cluster, kubectl } from "../lib/cluster";
import { sleep } from "../lib/proc";
import { REAL_NODE_TAINT } from "./index";

// Puts a whole stack of the platform program on the real node without touching the program: two
// MutatingAdmissionPolicies (admissionregistration.k8s.io/v1beta1, enabled on the e2e's API server
// when a real node joins) that the API server applies to what the stack creates.
// - Every pod of the stack's services namespace gets the real node's nodeSelector and toleration.
// - Its logs namespace: by default every DaemonSet stays off the real node (the log shipper
//   tolerates every taint, and a stack without the log stand-ins' images could never start it
//   there, so `pulumi up` would wait for it); with `logsOnRealNode`, every pod of the logs
//   namespace goes to the real node too and its DaemonSets run there only (the kwok nodes would
//   only fake them).
// Removed again by the returned function.

const [taintKey = "", taintValue = ""] = REAL_NODE_TAINT.split(":")[0]?.split("=") ?? [];
const REAL_NODE_LABEL = "platform.internal/real-node";
const API = "admissionregistration.k8s.io/v1beta1";

function policy(
  name: string,
  namespace: string,
  resource: { group: string; resource: string; operations: string[] },
  expression: string,
  matchCondition?: string,
) {
  return [
    {
      apiVersion: API,
      kind: "MutatingAdmissionPolicy",
      metadata: { name },
      spec: {
        matchConstraints: {
          resourceRules: [
            {
              apiGroups: [resource.group],
              apiVersions: ["v1"],
              operations: resource.operations,
              resources: [resource.resource],
            },
          ],
        },
        ...(matchCondition ? { matchConditions: [{ name: "applies", expression: matchCondition }] } : {}),
        failurePolicy: "Fail",
        reinvocationPolicy: "Never",
        mutations: [{ patchType: "JSONPatch", jsonPatch: { expression } }],
      },
    },
    {
      apiVersion: API,
      kind: "MutatingAdmissionPolicyBinding",
      metadata: { name },
      spec: {
        policyName: name,
        matchResources: {
          namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": namespace } },
        },
      },
    },
  ];
}

// JSON patches: an ApplyConfiguration may not set atomic fields (nodeSelector, tolerations, affinity).
const TOLERATION = `Object.spec.tolerations{key: "${taintKey}", operator: "Equal", value: "${taintValue}", effect: "NoSchedule"}`;
const PODS_ON_REAL_NODE = `[
  has(object.spec.nodeSelector)
    ? JSONPatch{op: "add", path: "/spec/nodeSelector/${REAL_NODE_LABEL.replace("/", "~1")}", value: "true"}
    : JSONPatch{op: "add", path: "/spec/nodeSelector", value: {"${REAL_NODE_LABEL}": "true"}},
  has(object.spec.tolerations)
    ? JSONPatch{op: "add", path: "/spec/tolerations/-", value: ${TOLERATION}}
    : JSONPatch{op: "add", path: "/spec/tolerations", value: [${TOLERATION}]}
]`;

const A = "Object.spec.template.spec.affinity";
const T = `${A}.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution`;
/** Only for a template without an affinity of its own (the log shipper has none). */
const DAEMONSETS_OFF_REAL_NODE = `[
  JSONPatch{op: "add", path: "/spec/template/spec/affinity", value: ${A}{
    nodeAffinity: ${A}.nodeAffinity{
      requiredDuringSchedulingIgnoredDuringExecution: ${T}{
        nodeSelectorTerms: [${T}.nodeSelectorTerms{
          matchExpressions: [${T}.nodeSelectorTerms.matchExpressions{key: "${REAL_NODE_LABEL}", operator: "DoesNotExist"}]
        }]
      }
    }
  }}
]`;

/** The real node's label as a DaemonSet template's only node (its pods then get the pod patch). */
const DAEMONSETS_ONLY_ON_REAL_NODE = `[
  has(object.spec.template.spec.nodeSelector)
    ? JSONPatch{op: "add", path: "/spec/template/spec/nodeSelector/${REAL_NODE_LABEL.replace("/", "~1")}", value: "true"}
    : JSONPatch{op: "add", path: "/spec/template/spec/nodeSelector", value: {"${REAL_NODE_LABEL}": "true"}}
]`;

export async function placeStackOnRealNode(
  cluster: Cluster,
  o: { namespace: string; logsNamespace: string; dir: string; logFile: string; logsOnRealNode?: boolean },
): Promise<() => Promise<void>> {
  const name = (what: string) => `e2e-${o.namespace}-${what}`;
  const file = await applyObjects(
    cluster,
    [
      ...policy(
        name("pods"),
        o.namespace,
        { group: "", resource: "pods", operations: ["CREATE"] },
        PODS_ON_REAL_NODE,
      ),
      ...(o.logsOnRealNode
        ? [
            ...policy(
              name("logs-pods"),
              o.logsNamespace,
              { group: "", resource: "pods", operations: ["CREATE"] },
              PODS_ON_REAL_NODE,
            ),
            ...policy(
              name("daemonsets"),
              o.logsNamespace,
              { group: "apps", resource: "daemonsets", operations: ["CREATE", "UPDATE"] },
              DAEMONSETS_ONLY_ON_REAL_NODE,
            ),
          ]
        : policy(
            name("daemonsets"),
            o.logsNamespace,
            { group: "apps", resource: "daemonsets", operations: ["CREATE", "UPDATE"] },
            DAEMONSETS_OFF_REAL_NODE,
            "!has(object.spec.template.spec.affinity)",
          )),
    ],
    { dir: o.dir, name: `placement-${o.namespace}`, logFile: o.logFile },
  );
  // The API server loads new policies through an informer: give it a moment before the stack.
  await sleep(3000);
  return async () => {
    await kubectl(cluster, ["delete", "-f", file, "--ignore-not-found"], { logFile: o.logFile });
  };
}
