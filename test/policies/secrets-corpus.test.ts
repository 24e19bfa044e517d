// no-plaintext-secrets on real environment variables: precision and recall on the corpus from public
// Helm charts and compose files (test/policies/corpus/), through the real pack, as a container env
// value and as a ConfigMap key; and on the fixtures. The thresholds are the figures reported in
// policies/COVERAGE.md; a change that loses precision or recall fails here.

import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { nonEmpty } from "../helpers/non-empty";
import { CORPUS, corpusScores, expectExactOnFixtures, readCorpus, runCorpus } from "./precision";

const HELD_OUT = join(__dirname, "corpus", "env-vars.heldout.tsv");

describe("env-var corpus", () => {
  const entries = [...readCorpus(CORPUS), ...readCorpus(HELD_OUT)];
  const outcomes = runCorpus(entries);

  it("holds at least 300 real variables, both verdicts, each with its source", () => {
    expect(entries.length).toBeGreaterThanOrEqual(300);
    expect(new Set(entries.map((e) => e.expected))).toEqual(new Set(["secret", "clean"]));
    for (const e of nonEmpty(entries)) expect(e.source).toMatch(/^[\w.-]+\/[\w.-]+ \S+@([0-9a-f]{12}|-)$/);
  });

  it("judges a variable the same in env and in a ConfigMap", () => {
    const differ = outcomes.filter((o) => o.env !== o.configMap).map((o) => o.entry.name);
    expect(differ).toEqual([]);
  });

  it("reaches the reported precision and recall", () => {
    const s = corpusScores(outcomes);
    const wrong = outcomes
      .filter((o) => (o.entry.expected === "secret") !== o.env)
      .map((o) => `line ${o.entry.line}: ${o.entry.name} expected ${o.entry.expected}`);
    expect(s.precision, wrong.join("\n")).toBeGreaterThanOrEqual(0.99);
    expect(s.recall, wrong.join("\n")).toBeGreaterThanOrEqual(0.99);
    expect(s.falsePositiveRate, wrong.join("\n")).toBeLessThanOrEqual(0.005);
  });
});

describe("fixtures", () => {
  it("no-plaintext-secrets fires on its failure fixtures and on no other fixture", () => {
    expectExactOnFixtures("no-plaintext-secrets");
  });
});
