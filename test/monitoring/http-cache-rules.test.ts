import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { cachedRoutes, cachedServices } from "../../components/http-cache/cached-routes";
import {
  EVICTIONS_PER_MISS,
  EVICTIONS_PER_SECOND,
  httpCacheRuleGroup,
} from "../../components/monitoring/http-cache-monitoring";
import { monitoredCache } from "../../infra/monitoring";
import { catalog } from "../helpers/catalog";
import { promtool, promtoolPath } from "./helpers";

// The cache tier's alerts evaluated by `promtool test rules` on made-up counters: the talk's
// incident (a cache far smaller than the working set: the LRU evicts what it just stored, the hit
// ratio falls) fires them; a healthy cache does not.

const NAMESPACE = "platform";
const cache = monitoredCache(cachedServices(cachedRoutes(catalog)));
const labels = `namespace="${NAMESPACE}", service="${cache.name}"`;

/** A counter growing by `perSecond[i]` for `minutes[i]` minutes in turn, as promtool series notation. */
function counter(...phases: Array<[perSecond: number, minutes: number]>): string {
  let value = 0;
  const parts: string[] = [];
  for (const [rate, minutes] of phases) {
    const step = rate * 60;
    parts.push(`${value}+${step}x${minutes}`);
    value += step * (minutes + 1);
  }
  return parts.join(" ");
}

function run(tests: unknown[]): { status: number; output: string } {
  const dir = mkdtempSync(join(tmpdir(), "cache-rules-"));
  // When the alerts fire is tested here; their texts (templates) by `promtool check rules`.
  const group = httpCacheRuleGroup(cache, NAMESPACE);
  const rules = group.rules.map(({ annotations: _, ...rule }) => rule);
  writeFileSync(join(dir, "rules.yaml"), stringify({ groups: [{ ...group, rules }] }));
  writeFileSync(
    join(dir, "tests.yaml"),
    stringify({ rule_files: ["rules.yaml"], evaluation_interval: "1m", tests }),
  );
  return promtool(["test", "rules", join(dir, "tests.yaml")]);
}

const binary = promtoolPath();
if (!binary) console.log("http-cache rules: skipped, promtool is not built (tools/promtool/build.sh)");

describe.skipIf(!binary)("promtool test rules on the cache tier's alerts", () => {
  const alertLabels = { severity: "warning", service: cache.name, namespace: NAMESPACE };

  it("a hit ratio falling from 90% to 10% fires HttpCacheHitRatioCollapse; a steady one does not", () => {
    const result = run([
      {
        interval: "1m",
        input_series: [
          { series: `varnish_main_cache_hit{${labels}}`, values: counter([90, 420], [10, 60]) },
          { series: `varnish_main_cache_miss{${labels}}`, values: counter([10, 420], [90, 60]) },
          { series: `varnish_main_client_req{${labels}}`, values: counter([100, 481]) },
        ],
        alert_rule_test: [
          { eval_time: "6h", alertname: "HttpCacheHitRatioCollapse", exp_alerts: [] },
          {
            eval_time: "7h50m",
            alertname: "HttpCacheHitRatioCollapse",
            exp_alerts: [{ exp_labels: alertLabels }],
          },
        ],
      },
    ]);
    expect(result.output).toMatch(/SUCCESS/);
    expect(result.status, result.output).toBe(0);
  });

  it("evictions for most of what is stored fire HttpCacheEvictionStorm; a few do not", () => {
    const storm = EVICTIONS_PER_SECOND * 8;
    const result = run([
      {
        interval: "1m",
        input_series: [
          {
            series: `varnish_main_cache_miss{${labels}}`,
            values: counter([storm / EVICTIONS_PER_MISS / 1.5, 60]),
          },
          { series: `varnish_main_n_lru_nuked{${labels}}`, values: counter([0, 20], [storm, 40]) },
        ],
        alert_rule_test: [
          { eval_time: "20m", alertname: "HttpCacheEvictionStorm", exp_alerts: [] },
          {
            eval_time: "55m",
            alertname: "HttpCacheEvictionStorm",
            exp_alerts: [{ exp_labels: alertLabels }],
          },
        ],
      },
      {
        interval: "1m",
        input_series: [
          { series: `varnish_main_cache_miss{${labels}}`, values: counter([50, 60]) },
          // Evicting a little of what is stored: a full cache doing its job.
          { series: `varnish_main_n_lru_nuked{${labels}}`, values: counter([EVICTIONS_PER_SECOND * 5, 60]) },
        ],
        alert_rule_test: [{ eval_time: "55m", alertname: "HttpCacheEvictionStorm", exp_alerts: [] }],
      },
    ]);
    expect(result.output).toMatch(/SUCCESS/);
    expect(result.status, result.output).toBe(0);
  });

  it("unreadable counters fire HttpCacheStatsUnreadable per pod", () => {
    const result = run([
      {
        interval: "1m",
        input_series: [{ series: `varnish_up{${labels}, pod="http-cache-7d9f8-abcde"}`, values: "0x30" }],
        alert_rule_test: [
          {
            eval_time: "20m",
            alertname: "HttpCacheStatsUnreadable",
            exp_alerts: [{ exp_labels: { ...alertLabels, pod: "http-cache-7d9f8-abcde" } }],
          },
        ],
      },
    ]);
    expect(result.status, result.output).toBe(0);
  });

  it("fails when an expectation is wrong (the check is real)", () => {
    const result = run([
      {
        interval: "1m",
        input_series: [{ series: `varnish_up{${labels}, pod="p"}`, values: "1x30" }],
        alert_rule_test: [
          {
            eval_time: "20m",
            alertname: "HttpCacheStatsUnreadable",
            exp_alerts: [{ exp_labels: alertLabels }],
          },
        ],
      },
    ]);
    expect(result.status).not.toBe(0);
  });
});
