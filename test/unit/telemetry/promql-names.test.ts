import { describe, expect, it } from "vitest";
import { exposedSamples, parseExposition, promqlReferences } from "../../support/promql-names.js";

// The helpers the deploy/ test relies on: if they read too little, that test would pass on a
// dashboard full of typos.
describe("promqlReferences", () => {
  it("finds metric names, not functions, aggregations, clauses, keywords, numbers, durations or Grafana variables", () => {
    const r = promqlReferences(
      'histogram_quantile(0.99, sum by (le, slot) (rate(a_seconds_bucket{instance=~"$instance",slot!="x"}[$__rate_interval]))) / ignoring(slot) group_left sum without (tenant) (b_total offset 5m) > bool 1e3 and on(job) c',
    );
    expect([...r.metrics].sort()).toEqual(["a_seconds_bucket", "b_total", "c"]);
    expect([...r.labels].sort()).toEqual(["instance", "job", "le", "slot", "tenant"]);
    expect(r.matchers).toEqual([
      { metric: "a_seconds_bucket", label: "instance", op: "=~", value: "$instance" },
      { metric: "a_seconds_bucket", label: "slot", op: "!=", value: "x" },
    ]);
  });

  it("does not read names inside strings", () => {
    expect([...promqlReferences('label_replace(up_total, "dst", "not_a_metric", "src", "(.*)")').metrics]).toEqual(["up_total"]);
  });
});

describe("exposedSamples", () => {
  const families = parseExposition(
    [
      "# HELP h_seconds x",
      "# TYPE h_seconds histogram",
      'h_seconds_bucket{le="1",slot="pii"} 2',
      'h_seconds_bucket{le="+Inf",slot="pii"} 3',
      'h_seconds_sum{slot="pii"} 0.5',
      'h_seconds_count{slot="pii"} 3',
      "# HELP c_total x",
      "# TYPE c_total counter",
      'c_total{tenant="a"} 4',
      "# HELP g_count x",
      "# TYPE g_count gauge",
      "g_count 7",
      "",
    ].join("\n"),
  );

  it("strips _bucket, _sum and _count only off a histogram's name", () => {
    expect(exposedSamples(families, "h_seconds_bucket")?.values).toHaveLength(2);
    expect(exposedSamples(families, "h_seconds_bucket")?.labels).toEqual(new Set(["le", "slot"]));
    expect(exposedSamples(families, "h_seconds_count")?.values[0]?.value).toBe(3);
    expect(exposedSamples(families, "h_seconds")).toBeUndefined(); // not a series of its own
    expect(exposedSamples(families, "c_total")?.values[0]?.labels).toEqual({ tenant: "a" });
    expect(exposedSamples(families, "c_total_count")).toBeUndefined();
    expect(exposedSamples(families, "c_sum")).toBeUndefined();
    expect(exposedSamples(families, "g_count")?.values[0]?.value).toBe(7); // a gauge whose name ends in _count
    expect(exposedSamples(families, "g")).toBeUndefined();
  });
});
