// A catalog service whose name makes one of its objects the same object as one a platform component
// names after the stack's namespace (`<namespace>-<something>`): the catalog's reserved names do not
// cover this (they guard the service namespace only), so the plan's policy gate must catch it with
// unique-object-names, as mandatory. Everything is read from the planned local stack: the namespaces,
// the component's object, and the name pattern the catalog's own services follow for that kind.

import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isPlatformInputError } from "../../components/errors/input-error";
import type { ServiceSpec } from "../../components/service/spec";
import { MAX_SERVICE_NAME } from "../../infra/catalog/validate";
import { loadPackConfig } from "../../policies/runner/config";
import { runPolicyGate } from "../../tools/plan/policy-gate";
import { reveal } from "../../tools/plan/redact";
import { isKubernetesObject } from "../../tools/plan/render";
import { type ProgramRun, runProgram } from "../../tools/plan/run";
import { readStackFile } from "../../tools/plan/stack-file";
import { catalog } from "../helpers/catalog";
import { nonEmpty } from "../helpers/non-empty";

const ROOT = join(__dirname, "..", "..");
const STACK = "local";
const POLICY = "unique-object-names";
const DNS_1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

interface Obj {
  apiVersion: string;
  kind: string;
  namespace: string | undefined;
  name: string;
}

async function planWith(services?: readonly ServiceSpec[]): Promise<ProgramRun> {
  const file = readStackFile(ROOT, STACK);
  return runProgram({
    stack: STACK,
    config: file.config,
    secretKeys: file.secretKeys,
    ...(services ? { catalog: services } : {}),
  });
}

function objectsOf(run: ProgramRun): Obj[] {
  return run.resources.filter(isKubernetesObject).flatMap((r) => {
    const o = reveal(r.state) as { apiVersion?: string; kind?: string; metadata?: Record<string, unknown> };
    const name = o.metadata?.name;
    if (typeof name !== "string" || !o.kind || !o.apiVersion) return [];
    const ns = o.metadata?.namespace;
    return [
      { apiVersion: o.apiVersion, kind: o.kind, namespace: typeof ns === "string" ? ns : undefined, name },
    ];
  });
}

const group = (o: Obj) => (o.apiVersion.includes("/") ? o.apiVersion.split("/")[0] : "");

/**
 * Component objects named `<namespace>-<x>` where the catalog's services name their own objects of
 * that kind and namespace `<namespace>-<service>`: a service called `<x>` would claim each.
 */
function collidingNames(objects: Obj[]): Array<{ service: string; object: Obj }> {
  const namespaces = objects.filter((o) => o.kind === "Namespace").map((o) => o.name);
  const services = new Set(catalog.map((s) => s.name));
  const out: Array<{ service: string; object: Obj }> = [];
  for (const object of objects) {
    for (const ns of namespaces) {
      if (!object.name.startsWith(`${ns}-`)) continue;
      const service = object.name.slice(ns.length + 1);
      if (services.has(service) || !DNS_1035.test(service) || service.length > MAX_SERVICE_NAME) continue;
      const pattern = catalog.some((s) =>
        objects.some(
          (o) =>
            o.kind === object.kind &&
            group(o) === group(object) &&
            o.namespace === object.namespace &&
            o.name === `${ns}-${s.name}`,
        ),
      );
      if (pattern) out.push({ service, object });
    }
  }
  return out;
}

describe("a catalog service named into a platform component's object", () => {
  it("is reported by unique-object-names as mandatory (or refused by the catalog)", async () => {
    const base = await planWith();
    expect(base.error).toBeUndefined();
    const candidates = nonEmpty(
      collidingNames(objectsOf(base)),
      `component objects of the ${STACK} stack named <namespace>-<x> like a service's`,
    );
    const [template] = catalog;
    if (!template) throw new Error("empty catalog");
    const { routes: _routes, acceptedCycles: _cycles, ...rest } = template;
    const outcomes: string[] = [];
    for (const found of candidates) {
      const run = await planWith([...catalog, { ...rest, name: found.service } as ServiceSpec]);
      if (run.error) {
        // The program refusing the name first is as good, with one clear message naming it.
        expect(isPlatformInputError(run.error), String(run.error)).toBe(true);
        expect(run.error.message).toContain(found.service);
        outcomes.push(`${found.service}: refused by the catalog`);
        continue;
      }
      const report = runPolicyGate(run.resources, loadPackConfig(STACK), { "platform:stack": STACK });
      const mine = report.violations.filter((v) => v.policy === POLICY);
      const o = found.object;
      const where = `${o.kind} ${o.namespace ? `${o.namespace}/` : ""}${o.name}`;
      expect(mine.length, `no ${POLICY} finding for service ${found.service}`).toBeGreaterThanOrEqual(2);
      for (const v of mine) {
        expect(v.enforcementLevel).toBe("mandatory");
        expect(v.message).toContain(where);
        expect(v.message).toContain("Fix: rename one of them");
      }
      // Each finding names the other claimant by URN, and one claimant is the new service's resource.
      for (const v of mine)
        for (const other of mine) if (other !== v) expect(v.message).toContain(other.resource.urn);
      const names = mine.map((v) =>
        (v.resource.urn ?? "").slice((v.resource.urn ?? "").lastIndexOf("::") + 2),
      );
      expect(
        names.some((n) => n === found.service || n.startsWith(`${found.service}-`)),
        names.join(" "),
      ).toBe(true);
      outcomes.push(`${found.service}: ${where} reported by ${POLICY}`);
    }
    console.info(outcomes.join("\n"));
  }, 180_000);
});
