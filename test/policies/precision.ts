// Precision and recall of a policy: on the env-var corpus (test/policies/corpus/env-vars.tsv, one
// Deployment per variable and one ConfigMap key per variable, through the real pack) and on the
// fixtures (a fixture file is positive for the policy of its directory when it is a failure.*; every
// other fixture file is negative for that policy).

import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import { type AnalyzedResource, analyze } from "../../policies/runner/analyze";
import { nonEmpty } from "../helpers/non-empty";
import { FIXTURES, loadFixture, runFixture } from "./harness";

export const CORPUS = join(__dirname, "corpus", "env-vars.tsv");

export interface CorpusEntry {
  line: number;
  expected: "secret" | "clean";
  name: string;
  value: string;
  source: string;
}

export function readCorpus(file = CORPUS): CorpusEntry[] {
  const out: CorpusEntry[] = [];
  readFileSync(file, "utf8")
    .split("\n")
    .forEach((text, i) => {
      if (text === "" || text.startsWith("#")) return;
      const [expected, name, value, source, ...rest] = text.split("\t");
      if (
        (expected !== "secret" && expected !== "clean") ||
        !name ||
        value === undefined ||
        !source ||
        rest.length
      )
        throw new Error(`${file}:${i + 1}: expected "secret|clean<TAB>name<TAB>value<TAB>source"`);
      out.push({ line: i + 1, expected, name, value, source });
    });
  return out;
}

export interface Scores {
  truePositives: number;
  falsePositives: number;
  trueNegatives: number;
  falseNegatives: number;
  precision: number;
  recall: number;
  falsePositiveRate: number;
}

export function scores(outcomes: Array<{ expected: boolean; flagged: boolean }>): Scores {
  const count = (e: boolean, f: boolean) =>
    outcomes.filter((o) => o.expected === e && o.flagged === f).length;
  const tp = count(true, true);
  const fp = count(false, true);
  const tn = count(false, false);
  const fn = count(true, false);
  return {
    truePositives: tp,
    falsePositives: fp,
    trueNegatives: tn,
    falseNegatives: fn,
    precision: tp + fp === 0 ? 1 : tp / (tp + fp),
    recall: tp + fn === 0 ? 1 : tp / (tp + fn),
    falsePositiveRate: fp + tn === 0 ? 0 : fp / (fp + tn),
  };
}

const POLICY = "no-plaintext-secrets";

function resource(kind: "Deployment" | "ConfigMap", i: number, e: CorpusEntry): AnalyzedResource {
  const name = `v${i}`;
  const type = kind === "Deployment" ? "kubernetes:apps/v1:Deployment" : "kubernetes:core/v1:ConfigMap";
  const metadata = { name, namespace: "corpus" };
  const props =
    kind === "Deployment"
      ? {
          apiVersion: "apps/v1",
          kind,
          metadata,
          spec: {
            selector: { matchLabels: { app: name } },
            template: {
              metadata: { labels: { app: name } },
              spec: {
                containers: [{ name: "app", image: "app:1", env: [{ name: e.name, value: e.value }] }],
              },
            },
          },
        }
      : { apiVersion: "v1", kind, metadata, data: { [e.name]: e.value } };
  return { type, name, urn: `urn:pulumi:corpus::platform::${type}::${name}`, props };
}

export interface CorpusOutcome {
  entry: CorpusEntry;
  /** Flagged as a container env value. */
  env: boolean;
  /** Flagged as a ConfigMap key. */
  configMap: boolean;
}

/** Runs every corpus entry through the pack, as an env value and as a ConfigMap key. */
export function runCorpus(entries = readCorpus()): CorpusOutcome[] {
  const resources = entries.flatMap((e, i) => [resource("Deployment", i, e), resource("ConfigMap", i, e)]);
  const report = analyze(resources);
  const flagged = new Set(
    report.violations.filter((v) => v.policy === POLICY).map((v) => `${v.resource.type}/${v.resource.name}`),
  );
  return entries.map((entry, i) => ({
    entry,
    env: flagged.has(`kubernetes:apps/v1:Deployment/v${i}`),
    configMap: flagged.has(`kubernetes:core/v1:ConfigMap/v${i}`),
  }));
}

export function corpusScores(outcomes: CorpusOutcome[]): Scores {
  return scores(outcomes.map((o) => ({ expected: o.entry.expected === "secret", flagged: o.env })));
}

/** Every fixture file: positive for `policy` when it is one of its failure fixtures. */
export function fixtureScores(policy: string): Scores {
  const outcomes: Array<{ expected: boolean; flagged: boolean }> = [];
  for (const dir of nonEmpty(readdirSync(FIXTURES, { withFileTypes: true }))) {
    if (!dir.isDirectory()) continue;
    for (const file of readdirSync(join(FIXTURES, dir.name)).filter((f) => /\.ya?ml$/.test(f))) {
      const fixture = loadFixture(join(FIXTURES, dir.name, file), dir.name);
      const report = runFixture(fixture);
      outcomes.push({
        expected: dir.name === policy && fixture.outcome === "failure",
        flagged: report.violations.some((v) => v.policy === policy),
      });
    }
  }
  return scores(outcomes);
}

/** Asserts that `policy` fires on every one of its failure fixtures and on no other fixture file. */
export function expectExactOnFixtures(policy: string): void {
  const s = fixtureScores(policy);
  expect(s.truePositives).toBeGreaterThan(0);
  expect({ precision: s.precision, recall: s.recall, falsePositiveRate: s.falsePositiveRate }).toEqual({
    precision: 1,
    recall: 1,
    falsePositiveRate: 0,
  });
}
