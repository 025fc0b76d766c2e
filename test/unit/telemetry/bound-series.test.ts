import { Counter, Histogram, Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { FastCounter, FastHistogram } from "../../../src/telemetry/bound-series.js";
import { seededRandom } from "../../support/seeded-random.js";

// Bound children write to prom-client's internal store directly: the same calls through
// prom-client's own API must give the same /metrics text and the same JSON (the cluster
// aggregation reads that) whatever the values.
const buckets = [0.001, 0.01, 0.1, 1];

function pair() {
  const own = new Registry();
  const theirs = new Registry();
  const config = (registry: Registry) => ({ name: "h", help: "h.", labelNames: ["a", "b"] as const, buckets, registers: [registry] });
  const counter = (registry: Registry) => ({ name: "c_total", help: "c.", labelNames: ["a", "b"] as const, registers: [registry] });
  return {
    own,
    theirs,
    fastH: new FastHistogram(config(own)),
    plainH: new Histogram(config(theirs)),
    fastC: new FastCounter(counter(own)),
    plainC: new Counter(counter(theirs)),
  };
}

describe("bound series (prom-client children without per-call label work)", () => {
  it("give prom-client's text and JSON for the same observations, bucket edges and overflow included", async () => {
    const m = pair();
    const random = seededRandom(15);
    const labelSets = [
      ["rest", "bench"],
      ["grpc", "other"],
      ["rest", 'quote"and\\slash'],
    ] as const;
    const fast = labelSets.map(([a, b]) => ({ h: m.fastH.bind(a, b), c: m.fastC.bind(a, b) }));
    const plain = labelSets.map(([a, b]) => ({ h: m.plainH.labels(a, b), c: m.plainC.labels(a, b) }));
    const values = [0, 0.001, 0.01, 1, 2, ...Array.from({ length: 500 }, () => random() ** 3 * 2)];
    values.forEach((v, i) => {
      const k = i % 3 === 2 && i % 7 !== 0 ? 0 : i % 2; // the third label set only now and then
      fast[k]!.h.observe(v);
      plain[k]!.h.observe(v);
      fast[k]!.c.inc(Math.round(v * 10));
      plain[k]!.c.inc(Math.round(v * 10));
    });
    fast[2]!.c.inc();
    plain[2]!.c.inc();
    expect(await m.own.metrics()).toBe(await m.theirs.metrics());
    expect(await m.own.getMetricsAsJSON()).toEqual(await m.theirs.getMetricsAsJSON());
  });

  it("show no series before its first call, and a counter's series from an inc of 0", async () => {
    const m = pair();
    const h = m.fastH.bind("rest", "bench");
    const c = m.fastC.bind("rest", "bench");
    expect((await m.fastH.get()).values).toEqual([]);
    expect((await m.fastC.get()).values).toEqual([]);
    c.inc(0);
    m.plainC.labels("rest", "bench").inc(0);
    h.observe(0.5);
    m.plainH.labels("rest", "bench").observe(0.5);
    expect(await m.own.metrics()).toBe(await m.theirs.metrics());
  });

  it("keep counting after a reset, from zero, like prom-client", async () => {
    const m = pair();
    const h = m.fastH.bind("rest", "bench");
    const c = m.fastC.bind("rest", "bench");
    h.observe(0.05);
    c.inc(3);
    m.fastH.reset();
    m.fastC.reset();
    h.observe(0.2);
    c.inc(2);
    m.plainH.labels("rest", "bench").observe(0.2);
    m.plainC.labels("rest", "bench").inc(2);
    expect(await m.own.metrics()).toBe(await m.theirs.metrics());
  });

  it("refuse what prom-client refuses: a wrong label count, a non-finite observation, a negative increment", () => {
    const m = pair();
    expect(() => m.fastH.bind("only-one")).toThrow(/label/i);
    expect(() => m.fastC.bind("a", "b", "c")).toThrow(/label/i);
    const h = m.fastH.bind("rest", "bench");
    h.observe(1);
    expect(() => h.observe(Number.NaN)).toThrow(TypeError);
    expect(() => h.observe(Number.POSITIVE_INFINITY)).toThrow(TypeError);
    const c = m.fastC.bind("rest", "bench");
    c.inc();
    expect(() => c.inc(-1)).toThrow(/decrease/);
    expect(() => c.inc(Number.POSITIVE_INFINITY)).toThrow(TypeError);
  });
});

describe("bound series sharing one label set", () => {
  it("add to the same series from every child bound to it (settle binds `tokens` once per outcome)", async () => {
    const m = pair();
    const first = m.fastC.bind("input", "bench");
    const second = m.fastC.bind("input", "bench");
    const h1 = m.fastH.bind("rest", "bench");
    const h2 = m.fastH.bind("rest", "bench");
    for (const [c, h, v] of [[first, h1, 1], [second, h2, 2], [first, h2, 3], [second, h1, 4]] as const) {
      c.inc(v);
      h.observe(v / 10);
      m.plainC.labels("input", "bench").inc(v);
      m.plainH.labels("rest", "bench").observe(v / 10);
    }
    expect(await m.own.metrics()).toBe(await m.theirs.metrics());
  });
});
